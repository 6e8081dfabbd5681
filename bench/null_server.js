// The client's ceiling: a Kinesis-shaped HTTP server that answers instantly (Node's http module).
// PutRecords gets one success entry per record in the request; everything else a fixed answer.
const http = require("http");
const port = Number(process.argv[2] || 4580);
const sequence = "49546986683135544286507457936321625675700192471156785154";
http
  .createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const target = req.headers["x-amz-target"] || "";
      let body = { ShardId: "shardId-000000000000", SequenceNumber: sequence };
      if (target.endsWith(".PutRecords")) {
        const count = JSON.parse(Buffer.concat(chunks).toString()).Records.length;
        const entry = { ShardId: "shardId-000000000000", SequenceNumber: sequence };
        body = { FailedRecordCount: 0, Records: Array(count).fill(entry) };
      } else if (target.endsWith(".CreateStream") || target.endsWith(".DeleteStream")) {
        body = {};
      }
      const out = Buffer.from(JSON.stringify(body));
      res.writeHead(200, { "Content-Type": "application/x-amz-json-1.1", "Content-Length": out.length });
      res.end(out);
    });
  })
  .listen(port, "127.0.0.1", () => console.log(`null server on ${port}`));
