'use strict'
/**
 * Loads the project's TypeScript (.ts) in plain Node, transpiled once with TypeScript's
 * transpileModule (what ts-node's transpile-only mode does: no type check; `npm run typecheck`
 * does that) and cached by content hash under node_modules/.cache/ts-register. A warm start costs
 * a file read instead of loading the compiler, which matters for the many short processes the
 * suite starts (every refbox call, every proof run). Stack traces point at the .ts lines.
 */
const { createHash } = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')

const cacheDir = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'ts-register')
let ts

function transpile(source, filename) {
  ts = ts || require('typescript')
  return ts.transpileModule(source, {
    fileName: filename,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
      inlineSourceMap: true,
    },
  }).outputText
}

if (!require.extensions['.ts']) {
  process.setSourceMapsEnabled(true)
  require.extensions['.ts'] = function compileTs(module, filename) {
    const source = fs.readFileSync(filename, 'utf8')
    const key = createHash('sha256').update(`${filename}\0${source}`).digest('hex')
    const cached = path.join(cacheDir, `${key}.js`)
    let js
    try {
      js = fs.readFileSync(cached, 'utf8')
    } catch {
      js = transpile(source, filename)
      try {
        fs.mkdirSync(cacheDir, { recursive: true })
        const tmp = `${cached}.${process.pid}`
        fs.writeFileSync(tmp, js)
        fs.renameSync(tmp, cached)
      } catch {
        // no writable cache: still works, just slower next time
      }
    }
    module._compile(js, filename)
  }
}
