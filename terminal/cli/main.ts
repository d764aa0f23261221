#!/usr/bin/env node
// Entry point of the `tessera` command. Wire drivers, sync and systemd here (CliDeps) when they are merged.
import { createProgram } from './program.js';

const { run } = createProgram();
process.exitCode = await run(process.argv);
