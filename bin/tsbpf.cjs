#!/usr/bin/env node
// One node start-up: load the prebuilt bundle in this same process.
require('../dist/tsbpf.cjs');
