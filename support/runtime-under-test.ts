/**
 * The runtime under test, told by every scenario: cucumber-js gives BeforeAll no `log`/`attach`,
 * so each scenario's first hook attaches the facts as JSON (the summary, the JUnit properties, the
 * page titles and the run guard's known issues read them back from the messages), and its first
 * step logs them as one line before anything else (what a reader sees first). The facts are
 * gathered once per process; the run's start time comes from the coordinator (cucumber.js sets
 * RUN_STARTED_ENV before any worker is forked), so every worker quotes the same one.
 */
import { resolve } from 'node:path'
import { gatherRuntimeFacts } from '../src/report/identify-runtime'
import { FACTS_ATTACHMENT, runtimeLine, type RuntimeFacts } from '../src/report/runtime-facts'
import { readVerdict } from '../src/preflight/verdict'
import type { Settings } from '../src/settings'

/** Same name as in cucumber.js (test/report/runtime.test.ts keeps them equal). */
export const RUN_STARTED_ENV = 'BOXLITE_DISK_SPEC_RUN_STARTED'

const processStarted = new Date().toISOString()
let cached: { key: string; facts: RuntimeFacts } | undefined

export function runtimeFacts(settings: Settings, env: NodeJS.ProcessEnv = process.env): RuntimeFacts {
  const { driver, box } = settings
  const key = JSON.stringify([driver, box.image, box.rootfs])
  if (cached?.key !== key) {
    const facts = gatherRuntimeFacts(
      { driver: driver.kind, bin: driver.bin, image: box.image, rootfs: box.rootfs, registries: driver.registries },
      {
        suiteRoot: resolve(__dirname, '..'),
        startedAt: env[RUN_STARTED_ENV] || processStarted,
        verdict: readVerdict(env),
        env,
      },
    )
    cached = { key, facts }
  }
  return cached.facts
}

type Reporter = {
  log(text: string): void
  attach(data: string, options: { mediaType: string; fileName: string }): void
}

/** The facts as data, from the first Before hook: what the summary, JUnit and run guard read back. */
export function attachRuntimeFacts(world: Reporter, facts: RuntimeFacts): void {
  world.attach(JSON.stringify(facts, null, 2), { mediaType: 'application/json', fileName: FACTS_ATTACHMENT })
}

/**
 * The line people read, as the first log of the scenario's first step: the HTML report hides
 * hooks that passed, but shows what a BeforeStep hook logs under the step it precedes.
 */
export function logRuntimeLine(world: Reporter, facts: RuntimeFacts): void {
  world.log(runtimeLine(facts))
}
