/*
 * S3Proxy as the stack runs it: S3Proxy's own S3 front end over its filesystem-nio2 store, with one
 * difference from S3Proxy's Main: an object is listed only once its upload has finished.
 *
 * S3Proxy writes an upload to a temporary file `<key>-<uuid>` beside the object and renames it when
 * the upload ends, and a listing in the meantime shows that temporary file as a key of its own.
 * S3 never lists an object before its PUT succeeds (and never lists one that no PUT made), so the
 * store below hides a `<key>-<uuid>` entry while an upload of `<key>` is in progress, or ended
 * after the listing began. Keys that merely look like that (Firehose's own end in a uuid) are
 * listed as usual: only this process's uploads in flight are hidden.
 *
 * Usage: java -cp <S3Proxy's classpath>:<this> dev.cadabra.s3.CadabraS3Proxy --properties FILE
 * (the same properties file S3Proxy's Main reads: s3proxy.* and jclouds.*).
 */
package dev.cadabra.s3;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.domain.internal.PageSetImpl;
import org.jclouds.blobstore.options.CopyOptions;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.jclouds.blobstore.options.PutOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.logging.slf4j.config.SLF4JLoggingModule;

public final class CadabraS3Proxy {
    private CadabraS3Proxy() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--properties")) {
            System.err.println("usage: CadabraS3Proxy --properties FILE");
            System.exit(2);
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(Path.of(args[1]))) {
            properties.load(in);
        }
        properties.putAll(System.getProperties());
        String provider = properties.getProperty("jclouds.provider");
        if (provider == null) {
            System.err.println("the properties file must set jclouds.provider");
            System.exit(2);
        }
        BlobStore store = ContextBuilder.newBuilder(provider)
                .credentials(properties.getProperty("jclouds.identity", ""),
                        properties.getProperty("jclouds.credential", ""))
                .modules(List.of(new SLF4JLoggingModule()))
                .overrides(properties)
                .build(BlobStoreContext.class)
                .getBlobStore();
        S3Proxy proxy = S3Proxy.Builder.fromProperties(properties)
                .blobStore(new FinishedUploadsOnly(store))
                .build();
        proxy.start();
        while (!proxy.getState().equals("STARTED")) {
            Thread.sleep(1);
        }
        System.out.println("S3Proxy (finished uploads only) listening on port " + proxy.getPort());
    }

    /** A store whose listings leave out the temporary files of uploads in flight. */
    static final class FinishedUploadsOnly extends ForwardingBlobStore {
        private static final Pattern TEMPORARY = Pattern.compile(
                "(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
        private static final long REMEMBER_NANOS = TimeUnit.MINUTES.toNanos(10);
        private static final int PRUNE_ABOVE = 10_000;

        /** Uploads in flight, by container and key. */
        private final Map<String, Integer> writing = new ConcurrentHashMap<>();
        /** When the last upload of each container and key ended (System.nanoTime). */
        private final Map<String, Long> ended = new ConcurrentHashMap<>();

        FinishedUploadsOnly(BlobStore store) {
            super(store);
        }

        @Override
        public String putBlob(String container, Blob blob) {
            return writing(container, blob.getMetadata().getName(),
                    () -> delegate().putBlob(container, blob));
        }

        @Override
        public String putBlob(String container, Blob blob, PutOptions options) {
            return writing(container, blob.getMetadata().getName(),
                    () -> delegate().putBlob(container, blob, options));
        }

        @Override
        public String copyBlob(String fromContainer, String fromName, String toContainer,
                String toName, CopyOptions options) {
            return writing(toContainer, toName, () -> delegate().copyBlob(
                    fromContainer, fromName, toContainer, toName, options));
        }

        @Override
        public String completeMultipartUpload(MultipartUpload upload, List<MultipartPart> parts) {
            return writing(upload.containerName(), upload.blobName(),
                    () -> delegate().completeMultipartUpload(upload, parts));
        }

        @Override
        public PageSet<? extends StorageMetadata> list(String container) {
            return list(container, ListContainerOptions.NONE);
        }

        @Override
        public PageSet<? extends StorageMetadata> list(String container,
                ListContainerOptions options) {
            long began = System.nanoTime();
            PageSet<? extends StorageMetadata> page = delegate().list(container, options);
            List<StorageMetadata> kept = new ArrayList<>(page.size());
            for (StorageMetadata entry : page) {
                if (!inFlight(container, entry, began)) {
                    kept.add(entry);
                }
            }
            return new PageSetImpl<>(kept, page.getNextMarker());
        }

        private boolean inFlight(String container, StorageMetadata entry, long began) {
            if (entry.getType() != StorageType.BLOB || entry.getName() == null) {
                return false;
            }
            Matcher matcher = TEMPORARY.matcher(entry.getName());
            if (!matcher.matches()) {
                return false;
            }
            String key = container + "/" + matcher.group(1);
            Long end = ended.get(key);
            return writing.containsKey(key) || (end != null && end - began >= 0);
        }

        private <T> T writing(String container, String name, Supplier<T> upload) {
            String key = container + "/" + name;
            writing.merge(key, 1, Integer::sum);
            try {
                return upload.get();
            } finally {
                long now = System.nanoTime();
                ended.put(key, now);
                writing.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
                if (ended.size() > PRUNE_ABOVE) {
                    ended.values().removeIf(at -> now - at > REMEMBER_NANOS);
                }
            }
        }
    }
}
