'use strict';
/** The records file both sides read: one PouchDB document a line (JSON Lines). */

const fs = require('fs');
const readline = require('readline');

const CHUNK = 2000;

/** Writes every document of `file` into `db` with bulkDocs; resolves to how many. */
async function loadRecords(db, file) {
  const lines = readline.createInterface({ input: fs.createReadStream(file, 'utf8') });
  let chunk = [];
  let docs = 0;
  for await (const line of lines) {
    if (!line) continue;
    chunk.push(JSON.parse(line));
    if (chunk.length >= CHUNK) {
      docs += (await db.bulkDocs(chunk)).length;
      chunk = [];
    }
  }
  if (chunk.length) docs += (await db.bulkDocs(chunk)).length;
  return docs;
}

module.exports = { loadRecords };
