"""Test helpers of the client app: a DynamoDB-shaped fake table, and Debian's Chromium.

`FakeOrdersTable` answers boto3's `Table.query` for the order-history table in process, paging
like DynamoDB (LastEvaluatedKey / ExclusiveStartKey), for the API's unit tests only.

The browser tests drive a real headless Chromium through Selenium and Debian's `chromium-driver`
(the driver is built from the same source as the browser, so their versions always match and
nothing is downloaded by Selenium Manager). `ensure_chromium()` finds both; where they are missing
and the process runs as root it installs them with apt-get (non-interactive), otherwise it fails
with a message saying what to install.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from processors.webapp.errors import BrowserUnavailableError

if TYPE_CHECKING:
    from selenium.webdriver import Chrome

__all__ = [
    "APT_PACKAGES",
    "ChromiumPaths",
    "FakeOrdersTable",
    "ensure_chromium",
    "headless_chromium",
]

logger = logging.getLogger(__name__)

# Debian's browser, its WebDriver, and a font family with metrics of the common web fonts.
APT_PACKAGES = ("chromium", "chromium-driver", "fonts-liberation")
BROWSERS = ("chromium", "chromium-browser")
APT_TIMEOUT_S = 900.0


class FakeOrdersTable:
    """`CadabraOrders` (CustomerID N, OrderID S) in memory; `query` pages `page_size` items."""

    def __init__(self, items: Iterable[Mapping[str, Any]] = (), page_size: int = 100) -> None:
        self.items = [dict(item) for item in items]
        self.page_size = page_size
        self.queries: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.queries.append(request)
        expression = request["KeyConditionExpression"].get_expression()
        key, value = expression["values"]
        if expression["operator"] != "=" or key.name != "CustomerID":
            raise ValueError(f"unsupported KeyConditionExpression {expression}")
        matching = sorted(
            (item for item in self.items if item["CustomerID"] == value),
            key=lambda item: str(item["OrderID"]),
        )
        start = request.get("ExclusiveStartKey")
        if start is not None:
            matching = [item for item in matching if item["OrderID"] > start["OrderID"]]
        page = matching[: self.page_size]
        response: dict[str, Any] = {"Items": page, "Count": len(page)}
        if len(matching) > self.page_size:
            last = page[-1]
            response["LastEvaluatedKey"] = {k: last[k] for k in ("CustomerID", "OrderID")}
        return response


@dataclass(frozen=True)
class ChromiumPaths:
    browser: str
    driver: str


def _find() -> ChromiumPaths | None:
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    return ChromiumPaths(browser, driver) if browser and driver else None


def _apt_get(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    command = ["apt-get", "-y", "-q", *args]
    result = subprocess.run(  # noqa: S603 - a fixed apt-get command line
        command, env=env, capture_output=True, text=True, timeout=APT_TIMEOUT_S, check=False
    )
    if result.returncode != 0:
        raise BrowserUnavailableError(
            f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}"
        )


def _install() -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise BrowserUnavailableError(
            "Chromium and chromedriver are not installed and this process cannot install them "
            f"(it is not root on a Debian system): run `apt-get install {' '.join(APT_PACKAGES)}`"
        )
    started = time.monotonic()
    logger.warning("installing %s with apt-get", " ".join(APT_PACKAGES))
    _apt_get("update")
    _apt_get("install", "--no-install-recommends", *APT_PACKAGES)
    logger.warning("installed %s in %.0f s", " ".join(APT_PACKAGES), time.monotonic() - started)


def ensure_chromium() -> ChromiumPaths:
    """The paths of Chromium and chromedriver, installing Debian's packages when missing."""
    found = _find()
    if found is None:
        _install()
        found = _find()
    if found is None:
        raise BrowserUnavailableError(
            f"apt-get installed {' '.join(APT_PACKAGES)} but chromium/chromedriver are not on PATH"
        )
    return found


def headless_chromium(paths: ChromiumPaths, width: int = 1280, height: int = 900) -> Chrome:
    """A Selenium WebDriver on a headless Chromium (no sandbox: the tests run as root)."""
    from selenium.webdriver import Chrome, ChromeOptions, ChromeService

    options = ChromeOptions()
    options.binary_location = paths.browser
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.add_argument(f"--window-size={width},{height}")
    return Chrome(options=options, service=ChromeService(executable_path=paths.driver))
