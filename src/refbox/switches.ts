/**
 * Named switches read from one comma-separated environment variable: the defects refbox injects
 * (REFBOX_DEFECTS, ./defects.ts) and the benign variations it shows (REFBOX_VARIANTS, ./variants.ts).
 */
import { RefboxError } from './errors'

export class Switches<Name extends string> {
  private constructor(private readonly on: ReadonlySet<Name>) {}

  /** The names in `spec`; an unknown one is a one-sentence error naming the setting and the known names. */
  static parse<Name extends string>(
    spec: string | undefined,
    known: readonly Name[],
    what: { readonly noun: string; readonly setting: string },
  ): Switches<Name> {
    const names = (spec ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    const unknown = names.filter((n) => !(known as readonly string[]).includes(n))
    if (unknown.length > 0) {
      throw new RefboxError(
        `unknown ${what.noun}${unknown.length > 1 ? 's' : ''} in ${what.setting}: ${unknown.join(', ')}; known: ` +
          `${known.join(', ')}`,
      )
    }
    return new Switches(new Set(names as Name[]))
  }

  static none<Name extends string>(): Switches<Name> {
    return new Switches<Name>(new Set())
  }

  has(name: Name): boolean {
    return this.on.has(name)
  }

  get names(): Name[] {
    return [...this.on]
  }
}
