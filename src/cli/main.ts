#!/usr/bin/env node
// Bin entry of the `cohort` command; the program itself is in program.ts (tests import that).
import { main } from './program.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`cohort: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
