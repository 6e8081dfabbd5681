// Cadabra client app: a customer's order history and a live panel of order-rate alarms.
// Talks only to its own origin: GET /api/customers/{id}/orders and the SSE feed /api/alarms/stream.
"use strict";

const MAX_ALARMS_SHOWN = 200;
const money = new Intl.NumberFormat("en-GB", { style: "currency", currency: "GBP" });
const $ = (id) => document.getElementById(id);

function plural(count, noun) {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function showMessage(text, isError) {
  const message = $("message");
  message.textContent = text;
  message.className = isError ? "error" : "";
  message.hidden = !text;
}

function orderDate(order) {
  if (!order.ordered_at) return order.order_date;
  return order.ordered_at.slice(0, 16).replace("T", " ");
}

function renderOrder(tbody, order) {
  const head = tbody.insertRow();
  head.className = order.cancelled ? "order cancelled" : "order";
  head.dataset.invoice = order.invoice_no;
  head.dataset.total = String(order.total);
  cell(head, orderDate(order), "order-date");
  const label = `Invoice ${order.invoice_no}` + (order.cancelled ? " (cancelled)" : "");
  cell(head, `${label} · ${order.country} · ${plural(order.line_count, "line")}`, "order-invoice");
  cell(head, String(order.item_count), "num");
  cell(head, "", "num");
  cell(head, money.format(order.total), "num order-total");
  for (const line of order.lines) {
    const row = tbody.insertRow();
    row.className = "line";
    row.dataset.invoice = order.invoice_no;
    cell(row, "");
    cell(row, `${line.stock_code} ${line.description}`, "line-item");
    cell(row, String(line.quantity), "num");
    cell(row, money.format(line.unit_price), "num");
    cell(row, money.format(line.line_total), "num line-total");
  }
}

function renderHistory(history) {
  $("summary-customer").textContent = String(history.customer_id);
  $("order-count").textContent = String(history.order_count);
  $("line-count").textContent = String(history.line_count);
  $("order-noun").textContent = history.order_count === 1 ? "order" : "orders";
  $("line-noun").textContent = history.line_count === 1 ? "line" : "lines";
  $("grand-total").textContent = money.format(history.grand_total);
  $("summary").hidden = false;
  const tbody = $("orders-table").tBodies[0];
  tbody.replaceChildren();
  history.orders.forEach((order) => renderOrder(tbody, order));
  $("orders-table").hidden = history.orders.length === 0;
  showMessage(history.orders.length ? "" : `No orders for customer ${history.customer_id}.`);
}

async function loadOrders(customerId) {
  showMessage(`Loading orders of customer ${customerId}…`);
  $("orders-table").hidden = true;
  $("summary").hidden = true;
  try {
    const response = await fetch(`/api/customers/${encodeURIComponent(customerId)}/orders`);
    const body = await response.json();
    if (!response.ok) throw new Error(`${body.__type}: ${body.message}`);
    renderHistory(body);
  } catch (error) {
    showMessage(`Could not load orders: ${error.message}`, true);
  }
}

function customerFromHash() {
  const match = /customer=([0-9]+)/.exec(window.location.hash);
  return match ? match[1] : null;
}

function onHash() {
  const customerId = customerFromHash();
  if (customerId === null) return;
  $("customer-id").value = customerId;
  loadOrders(customerId);
}

function describeAlarm(alarm) {
  if (alarm.order_count !== null) {
    const triggers = alarm.trigger_count !== null ? ` · trigger ${alarm.trigger_count}` : "";
    return `${alarm.order_count} orders in 10 s${triggers}`;
  }
  return typeof alarm.row === "string" ? alarm.row : JSON.stringify(alarm.row);
}

function addAlarm(alarm) {
  const list = $("alarm-list");
  const item = document.createElement("li");
  item.className = "alarm fresh";
  item.dataset.id = String(alarm.id);
  item.dataset.sequence = alarm.sequence_number;
  const time = document.createElement("time");
  time.dateTime = alarm.arrived_at;
  time.textContent = new Date(alarm.arrival_ms).toISOString().slice(11, 19) + " UTC";
  const text = document.createElement("span");
  text.className = "alarm-text";
  text.textContent = describeAlarm(alarm);
  item.append(time, text);
  list.prepend(item);
  while (list.children.length > MAX_ALARMS_SHOWN) list.lastElementChild.remove();
  $("alarm-count").textContent = String(list.children.length);
  setTimeout(() => item.classList.remove("fresh"), 3000);
}

function showStatus(status) {
  const line = $("alarm-status");
  line.dataset.state = status.state;
  const texts = {
    starting: `Starting to read ${status.stream}…`,
    listening: `Listening to ${status.stream} (${plural(status.shards, "shard")})`,
    waiting: `Waiting for stream ${status.stream}…`,
    error: `Cannot read ${status.stream}: ${status.detail}`,
  };
  line.textContent = texts[status.state] || status.state;
}

function watchAlarms() {
  const feed = new EventSource("/api/alarms/stream");
  feed.addEventListener("alarm", (event) => addAlarm(JSON.parse(event.data)));
  feed.addEventListener("status", (event) => showStatus(JSON.parse(event.data)));
  feed.addEventListener("error", () => {
    $("alarm-status").dataset.state = "reconnecting";
    $("alarm-status").textContent = "Reconnecting…";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("lookup").addEventListener("submit", (event) => {
    event.preventDefault();
    const customerId = $("customer-id").value.trim();
    if (window.location.hash === `#customer=${customerId}`) loadOrders(customerId);
    else window.location.hash = `customer=${customerId}`;
  });
  window.addEventListener("hashchange", onHash);
  onHash();
  watchAlarms();
});
