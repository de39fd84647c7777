'use strict';
/**
 * The PouchDB side's HQ: express-pouchdb (the server inside pouchdb-server) over
 * PouchDB's LevelDB adapter, on 127.0.0.1, in its own process like `fieldkit serve`.
 *
 * Started by driver.js with an IPC channel. It counts every byte read from and
 * written to its client sockets (HTTP headers and bodies, as on the wire) and
 * answers these messages from the driver:
 *   {op: 'bytes'}             -> {read, written}: totals since the start
 *   {op: 'seed', db, file}    -> {docs}: writes the JSON Lines file's documents
 *                                into database `db` directly (not over HTTP)
 *   {op: 'count', db}         -> {docs}: the database's document count
 *   {op: 'stop'}              -> closes everything and exits
 *
 *     node server.js DATA_DIR
 */

const fs = require('fs');
const http = require('http');
const path = require('path');
const express = require('express');
const expressPouchDB = require('express-pouchdb');
const PouchDB = require('pouchdb');
const { loadRecords } = require('./records');

function startServer(dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const Pouch = PouchDB.defaults({ prefix: dataDir + path.sep });
  const app = express();
  // The lightest mode: the routes replication needs, no authentication or
  // validation (the comparison never handicaps PouchDB).
  app.use('/', expressPouchDB(Pouch, { mode: 'minimumForPouchDB' }));
  const server = http.createServer(app);
  const bytes = { read: 0, written: 0 };
  const live = new Set();
  server.on('connection', (socket) => {
    live.add(socket);
    socket.on('close', () => {
      live.delete(socket);
      bytes.read += socket.bytesRead;
      bytes.written += socket.bytesWritten;
    });
  });
  const totals = () => {
    let { read, written } = bytes;
    for (const socket of live) {
      read += socket.bytesRead;
      written += socket.bytesWritten;
    }
    return { read, written };
  };
  return { Pouch, server, totals, live };
}

async function seed(Pouch, name, file) {
  return { docs: await loadRecords(new Pouch(name), file) };
}

async function count(Pouch, name) {
  const info = await new Pouch(name).info();
  return { docs: info.doc_count };
}

function main() {
  const dataDir = process.argv[2];
  if (!dataDir || !process.send) {
    console.error('usage: started by driver.js (node server.js DATA_DIR, with IPC)');
    process.exit(2);
  }
  const { Pouch, server, totals, live } = startServer(dataDir);
  process.on('message', async (msg) => {
    try {
      if (msg.op === 'bytes') process.send({ ok: true, ...totals() });
      else if (msg.op === 'seed') process.send({ ok: true, ...(await seed(Pouch, msg.db, msg.file)) });
      else if (msg.op === 'count') process.send({ ok: true, ...(await count(Pouch, msg.db)) });
      else if (msg.op === 'stop') {
        for (const socket of live) socket.destroy();
        server.close(() => process.exit(0));
      } else process.send({ ok: false, error: `unknown op ${msg.op}` });
    } catch (err) {
      process.send({ ok: false, error: String((err && err.stack) || err) });
    }
  });
  server.listen(0, '127.0.0.1', () => {
    process.send({ ok: true, port: server.address().port });
  });
}

main();
