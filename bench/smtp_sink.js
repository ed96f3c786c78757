// The activation benchmark's fast SMTP server: nodemailer's smtp-server (a real,
// widely used SMTP server library) on loopback, counting the messages it accepts.
// It speaks the whole protocol itself (EHLO with PIPELINING, 8BITMIME and SIZE, MAIL,
// RCPT, DATA with dot-unstuffing, RSET, QUIT); this handler only counts the message
// and its bytes and answers 250 after the data, as bench/smtp_sinks.py's aiosmtpd
// handler does. Usage: node smtp_sink.js PORT; prints "ready", and on SIGTERM
// "RECEIVED OCTETS".
"use strict";
const { SMTPServer } = require("smtp-server");

const port = Number(process.argv[2]);
let received = 0;
let octets = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, session, callback) {
    stream.on("data", (chunk) => {
      octets += chunk.length;
    });
    stream.on("end", () => {
      if (stream.sizeExceeded) {
        callback(new Error("message too big"));
        return;
      }
      received += 1;
      callback(null, "OK");
    });
  },
});
server.listen(port, "127.0.0.1", () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => {
  process.stdout.write(`${received} ${octets}\n`);
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
