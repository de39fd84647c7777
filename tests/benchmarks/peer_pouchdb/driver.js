'use strict';
/**
 * PouchDB replication on the records of fieldkit's sync benchmark (LevelDB both sides).
 *
 *     node driver.js push --records FILE --work DIR [--batch-size N] [--batches-limit N]
 *     node driver.js pull --records FILE --work DIR [--batch-size N] [--batches-limit N]
 *
 * FILE holds one document a line ({"_id", "type", ...the fields of fieldkit's wire row}).
 * Each run starts its own server (server.js: express-pouchdb, in a child process) with
 * its data under DIR/server, then:
 *   push: writes the documents into a local PouchDB DIR/local (not timed) and times
 *         `local.replicate.to(server)` until every document is on the server;
 *   pull: writes the documents into the server's database (not timed) and times
 *         `local.replicate.from(server)` into a new local PouchDB DIR/local; after it
 *         is closed, LevelDB's own compaction is run over all of it, as LevelDB
 *         would in time (its size as the pull left it is reported too).
 * It prints one JSON line: seconds, documents, the bytes the server's sockets read and
 * wrote during the replication, and the local store's folder. Replication options are
 * PouchDB's defaults unless given.
 */

const fs = require('fs');
const path = require('path');
const { fork } = require('child_process');
const leveldown = require('leveldown');
const PouchDB = require('pouchdb');
const { loadRecords } = require('./records');

function parseArgs(argv) {
  const [figure, ...rest] = argv;
  const args = { figure };
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i].replace(/^--/, '').replace(/-/g, '_');
    if (rest[i + 1] === undefined) throw new Error(`${rest[i]} needs a value`);
    args[key] = rest[i + 1];
  }
  if (!['push', 'pull'].includes(figure) || !args.records || !args.work) {
    throw new Error('usage: node driver.js push|pull --records FILE --work DIR '
      + '[--batch-size N] [--batches-limit N]');
  }
  return args;
}

/** The server process and a one-request-at-a-time call over its IPC channel. */
class ServerProcess {
  constructor(dataDir) {
    this.child = fork(path.join(__dirname, 'server.js'), [dataDir], { stdio: 'inherit' });
    this.pending = null;
    this.child.on('message', (msg) => {
      const { resolve, reject } = this.pending;
      this.pending = null;
      if (msg.ok) resolve(msg);
      else reject(new Error(msg.error));
    });
    this.child.on('exit', (code) => {
      if (this.pending) this.pending.reject(new Error(`server exited with ${code}`));
    });
  }

  /** Waits for the server's first message: the port it listens on. */
  async started() {
    const msg = await new Promise((resolve, reject) => { this.pending = { resolve, reject }; });
    this.url = `http://127.0.0.1:${msg.port}`;
    return this;
  }

  call(msg) {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.child.send(msg);
    });
  }

  stop() {
    return new Promise((resolve) => {
      this.child.once('exit', resolve);
      this.child.send({ op: 'stop' });
    });
  }
}

function replicationOptions(args) {
  const opts = {};
  if (args.batch_size) opts.batch_size = Number(args.batch_size);
  if (args.batches_limit) opts.batches_limit = Number(args.batches_limit);
  return opts;
}

/** Bytes of every file under a folder (du --apparent-size). */
function folderBytes(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const full = path.join(dir, entry.name);
    return sum + (entry.isDirectory() ? folderBytes(full) : fs.statSync(full).size);
  }, 0);
}

/** Compacts a closed LevelDB store over its whole key range (PouchDB's keys start 0xC3). */
function compactLevelDB(dir) {
  const db = leveldown(dir);
  const done = (resolve, reject) => (err) => (err ? reject(err) : resolve());
  return new Promise((resolve, reject) => db.open(done(resolve, reject)))
    .then(() => new Promise((resolve, reject) => {
      db.compactRange(Buffer.from([0x00]), Buffer.alloc(64, 0xff), done(resolve, reject));
    }))
    .then(() => new Promise((resolve, reject) => db.close(done(resolve, reject))));
}

/** Times one replication and counts the server's socket bytes around it. */
async function timed(server, replicate) {
  const before = await server.call({ op: 'bytes' });
  const start = process.hrtime.bigint();
  const result = await replicate();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const after = await server.call({ op: 'bytes' });
  if (!result.ok) throw new Error(`replication failed: ${JSON.stringify(result.errors)}`);
  return {
    seconds,
    docs_written: result.docs_written,
    bytes_to_server: after.read - before.read,
    bytes_from_server: after.written - before.written,
  };
}

async function push(args, server) {
  const local = new PouchDB(path.join(args.work, 'local'));
  const docs = await loadRecords(local, args.records);
  const remote = new PouchDB(`${server.url}/push`);
  await remote.info(); // creates the database before the clock starts
  const run = await timed(server, () => local.replicate.to(remote, replicationOptions(args)));
  const onServer = (await server.call({ op: 'count', db: 'push' })).docs;
  await local.close();
  await remote.close();
  if (onServer !== docs) throw new Error(`server holds ${onServer} of ${docs} documents`);
  return { docs, ...run };
}

async function pull(args, server) {
  const docs = (await server.call({ op: 'seed', db: 'pull', file: args.records })).docs;
  const remote = new PouchDB(`${server.url}/pull`);
  await remote.info();
  const store = path.join(args.work, 'local');
  const local = new PouchDB(store);
  const run = await timed(server, () => local.replicate.from(remote, replicationOptions(args)));
  const onLaptop = (await local.info()).doc_count;
  await local.close();
  await remote.close();
  if (onLaptop !== docs) throw new Error(`local store holds ${onLaptop} of ${docs} documents`);
  const storeBytesAfterPull = folderBytes(store);
  await compactLevelDB(store);
  return { docs, ...run, store_bytes_after_pull: storeBytesAfterPull };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  fs.mkdirSync(args.work, { recursive: true });
  const server = await new ServerProcess(path.join(args.work, 'server')).started();
  try {
    const result = await (args.figure === 'push' ? push(args, server) : pull(args, server));
    const store = path.join(args.work, 'local');
    process.stdout.write(JSON.stringify({ figure: args.figure, store, ...result }) + '\n');
  } finally {
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
