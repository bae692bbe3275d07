// typescript-eslint parses with TypeScript's JavaScript API (`require('typescript')`), which the
// native TypeScript 7 compiler at the root does not offer. eslint.config.js loads this first, so
// that in the ESLint process alone `typescript` is the TypeScript 6 installed beside this file.
const Module = require('node:module');

const typescript6 = require.resolve('typescript');
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, request === 'typescript' ? typescript6 : request, ...rest);
};
