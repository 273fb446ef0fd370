/** Thresholds read naturally in the features and arrive in steps as plain numbers. */
import { defineParameterType } from '@cucumber/cucumber'
import { parseSize } from '../src/evidence/units'

/** "50 MiB", "2 GiB", "16 KiB" -> bytes. */
defineParameterType({
  name: 'size',
  regexp: /\d+(?:\.\d+)? (?:KiB|MiB|GiB)/,
  transformer: (text: string) => parseSize(text),
})

const SECONDS: Record<string, number> = { second: 1, seconds: 1, minute: 60, minutes: 60 }

/** "10 seconds", "1 minute" -> seconds. */
defineParameterType({
  name: 'duration',
  regexp: /(\d+) (seconds?|minutes?)/,
  transformer: (n: string, unit: string) => Number(n) * SECONDS[unit],
  useForSnippets: false,
})

/** "90 %" -> 0.9. */
defineParameterType({
  name: 'percent',
  regexp: /(\d+(?:\.\d+)?) ?%/,
  transformer: (n: string) => Number(n) / 100,
  useForSnippets: false,
})

/** "the box", "the victim", "the bystander" -> the box's role in the scenario. */
defineParameterType({
  name: 'box',
  regexp: /the (box|victim|bystander)/,
  transformer: (role: string) => role,
  useForSnippets: false,
})
