import java.math.BigInteger;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkSystemSetting;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamDescription;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * The AWS SDK for Java v2 against Cadabra's Kinesis endpoint (issue 3).
 *
 * <p>Usage: {@code Main <endpoint-url> <stream-name> [cbor|json]}. In the default {@code cbor}
 * mode the SDK speaks AWS CBOR 1.1, Kinesis's default in SDK v2 (timestamps as CBOR tag 1 around
 * epoch milliseconds); {@code json} turns it off through {@code aws.cborEnabled=false}, as a user
 * would. Every request and answer is checked to have carried the expected content type. Prints
 * {@code JAVA SDK CHECK OK} and exits 0, or prints the failed check and exits 1.
 */
public final class Main {
    static final String OK = "JAVA SDK CHECK OK";
    static final String SHARD0 = "shardId-000000000000";
    static final int PUT_RECORD_CALLS = 3;
    static final int BATCH = 5;
    static final Duration DEADLINE = Duration.ofSeconds(30);

    /** Records the Content-Type of every request sent and every answer received. */
    static final class ContentTypes implements ExecutionInterceptor {
        final Set<String> sent = new ConcurrentSkipListSet<>();
        final Set<String> received = new ConcurrentSkipListSet<>();

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes a) {
            sent.add(context.httpRequest().firstMatchingHeader("Content-Type").orElse("(none)"));
        }

        @Override
        public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes a) {
            received.add(context.httpResponse().firstMatchingHeader("Content-Type").orElse("(none)"));
        }
    }

    static final class CheckFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CheckFailed(String message) {
            super(message);
        }
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: Main <endpoint-url> <stream-name> [cbor|json]");
            System.exit(2);
        }
        boolean cbor = args.length < 3 || args[2].equals("cbor");
        if (!cbor) {
            System.setProperty(SdkSystemSetting.CBOR_ENABLED.property(), "false");
        }
        try {
            run(URI.create(args[0]), args[1], cbor);
        } catch (RuntimeException e) { // a CheckFailed or the SDK's own
            System.out.println("JAVA SDK CHECK FAILED: " + e);
            e.printStackTrace(System.out);
            System.exit(1);
        }
        System.out.println(OK + " (" + (cbor ? "cbor" : "json") + ")");
    }

    static void check(boolean condition, String message) {
        if (!condition) {
            throw new CheckFailed(message);
        }
    }

    static void run(URI endpoint, String stream, boolean cbor) {
        check(SdkSystemSetting.CBOR_ENABLED.getBooleanValueOrThrow() == cbor,
              "aws.cborEnabled is not " + cbor);
        ContentTypes types = new ContentTypes();
        try (KinesisClient kinesis = KinesisClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("cadabra", "cadabra-secret")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.addExecutionInterceptor(types))
                .build()) {
            Instant created = createStream(kinesis, stream);
            List<byte[]> sent = new ArrayList<>();
            List<String> keys = new ArrayList<>();
            List<String> sequences = putRecords(kinesis, stream, sent, keys);
            List<Record> records = readAll(kinesis, stream, ShardIteratorType.TRIM_HORIZON, null);
            checkRecords(records, sent, keys, sequences);
            checkAtTimestamp(kinesis, stream, records);
            checkDescribe(kinesis, stream, created);
            checkMissingStream(kinesis, stream);
            kinesis.deleteStream(r -> r.streamName(stream));
        }
        String expected = cbor ? "application/x-amz-cbor-1.1" : "application/x-amz-json-1.1";
        check(types.sent.equals(Set.of(expected)), "requests were " + types.sent);
        check(types.received.equals(Set.of(expected)), "answers were " + types.received);
    }

    /** CreateStream, then DescribeStreamSummary until ACTIVE; the time the call was made. */
    static Instant createStream(KinesisClient kinesis, String stream) {
        Instant before = Instant.now();
        kinesis.createStream(r -> r.streamName(stream).shardCount(1));
        Instant deadline = before.plus(DEADLINE);
        while (kinesis.describeStreamSummary(r -> r.streamName(stream))
                .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
            check(Instant.now().isBefore(deadline), stream + " did not become ACTIVE");
            pause(100);
        }
        return before;
    }

    /** PutRecord three times, then one PutRecords of five; the sequence numbers, in order. */
    static List<String> putRecords(
            KinesisClient kinesis, String stream, List<byte[]> sent, List<String> keys) {
        List<String> sequences = new ArrayList<>();
        for (int i = 0; i < PUT_RECORD_CALLS; i++) {
            byte[] data = payload(i);
            String key = "key-" + i;
            PutRecordResponse put = kinesis.putRecord(r -> r.streamName(stream)
                    .partitionKey(key).data(SdkBytes.fromByteArray(data)));
            check(put.shardId().equals(SHARD0), "PutRecord went to " + put.shardId());
            sent.add(data);
            keys.add(key);
            sequences.add(put.sequenceNumber());
        }
        // A later millisecond for the batch, so AT_TIMESTAMP at its arrival excludes the first 3.
        pause(20);
        List<PutRecordsRequestEntry> entries = new ArrayList<>();
        for (int i = PUT_RECORD_CALLS; i < PUT_RECORD_CALLS + BATCH; i++) {
            byte[] data = payload(i);
            String key = "key-" + i;
            entries.add(PutRecordsRequestEntry.builder()
                    .partitionKey(key).data(SdkBytes.fromByteArray(data)).build());
            sent.add(data);
            keys.add(key);
        }
        PutRecordsResponse batch = kinesis.putRecords(r -> r.streamName(stream).records(entries));
        check(batch.failedRecordCount() == 0, "PutRecords failed: " + batch);
        for (PutRecordsResultEntry entry : batch.records()) {
            check(entry.errorCode() == null, "PutRecords entry failed: " + entry);
            sequences.add(entry.sequenceNumber());
        }
        return sequences;
    }

    /** Binary data: every byte value a JSON or UTF-8 layer could mangle, and the record's index. */
    static byte[] payload(int index) {
        byte[] data = new byte[64];
        for (int b = 0; b < data.length; b++) {
            data[b] = (byte) (b * 37 + index);
        }
        data[0] = 0;
        data[1] = (byte) 0xff;
        data[2] = (byte) index;
        return data;
    }

    /** GetRecords from an iterator of `type` until all 8 records came (or the deadline). */
    static List<Record> readAll(
            KinesisClient kinesis, String stream, ShardIteratorType type, Instant timestamp) {
        String iterator = kinesis.getShardIterator(r -> r.streamName(stream).shardId(SHARD0)
                .shardIteratorType(type).timestamp(timestamp)).shardIterator();
        List<Record> records = new ArrayList<>();
        Instant deadline = Instant.now().plus(DEADLINE);
        int expected = PUT_RECORD_CALLS + BATCH;
        while (records.size() < expected && Instant.now().isBefore(deadline)) {
            String from = iterator;
            GetRecordsResponse page = kinesis.getRecords(r -> r.shardIterator(from));
            records.addAll(page.records());
            iterator = page.nextShardIterator();
            if (page.records().isEmpty()) {
                pause(250); // stay under the shard's 5 GetRecords calls per second
            } else if (type == ShardIteratorType.AT_TIMESTAMP && page.millisBehindLatest() == 0) {
                break; // an AT_TIMESTAMP read may rightly stop short of all 8
            }
        }
        return records;
    }

    static void checkRecords(
            List<Record> records, List<byte[]> sent, List<String> keys, List<String> sequences) {
        check(records.size() == sent.size(), "read " + records.size() + " of " + sent.size());
        Instant now = Instant.now();
        BigInteger previous = BigInteger.valueOf(-1);
        for (int i = 0; i < records.size(); i++) {
            Record record = records.get(i);
            check(Arrays.equals(record.data().asByteArray(), sent.get(i)), "data of record " + i);
            check(record.partitionKey().equals(keys.get(i)), "partition key of record " + i);
            check(record.sequenceNumber().equals(sequences.get(i)),
                  "record " + i + " has sequence " + record.sequenceNumber()
                  + ", its put returned " + sequences.get(i));
            BigInteger sequence = new BigInteger(record.sequenceNumber());
            check(sequence.compareTo(previous) > 0, "sequence numbers do not increase at " + i);
            previous = sequence;
            Instant arrival = record.approximateArrivalTimestamp();
            check(arrival != null && Duration.between(arrival, now).abs().toSeconds() < 60,
                  "ApproximateArrivalTimestamp " + arrival + " is not within a minute of " + now);
        }
    }

    /** The timestamp both ways: sent in GetShardIterator, compared with the arrival times read. */
    static void checkAtTimestamp(KinesisClient kinesis, String stream, List<Record> all) {
        Instant at = all.get(PUT_RECORD_CALLS).approximateArrivalTimestamp();
        List<String> expected = new ArrayList<>();
        for (Record record : all) {
            if (!record.approximateArrivalTimestamp().isBefore(at)) {
                expected.add(record.sequenceNumber());
            }
        }
        check(expected.size() < all.size(), "the batch arrived in the PutRecords' millisecond");
        List<String> got = new ArrayList<>();
        for (Record record : readAll(kinesis, stream, ShardIteratorType.AT_TIMESTAMP, at)) {
            got.add(record.sequenceNumber());
        }
        check(got.equals(expected), "AT_TIMESTAMP " + at + " read " + got + ", not " + expected);
    }

    static void checkDescribe(KinesisClient kinesis, String stream, Instant created) {
        StreamDescription description =
                kinesis.describeStream(r -> r.streamName(stream)).streamDescription();
        check(description.streamStatus() == StreamStatus.ACTIVE, "status " + description);
        check(description.shards().size() == 1, "shards " + description.shards());
        Instant stamp = description.streamCreationTimestamp();
        check(stamp != null && Duration.between(created, stamp).abs().toSeconds() < 60,
              "StreamCreationTimestamp " + stamp + " is not near " + created);
        Instant summary = kinesis.describeStreamSummary(r -> r.streamName(stream))
                .streamDescriptionSummary().streamCreationTimestamp();
        check(stamp.equals(summary), "DescribeStreamSummary says created " + summary);
    }

    static void checkMissingStream(KinesisClient kinesis, String stream) {
        String missing = stream + "-missing";
        try {
            kinesis.describeStream(r -> r.streamName(missing));
        } catch (ResourceNotFoundException e) {
            check(e.statusCode() == 400, "ResourceNotFoundException with status " + e.statusCode());
            check(e.awsErrorDetails().errorMessage().contains(missing), "message " + e.getMessage());
            return;
        }
        throw new CheckFailed("DescribeStream on a missing stream did not throw");
    }

    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckFailed("interrupted");
        }
    }

    private Main() {
    }
}
