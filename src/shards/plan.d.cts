/** Types of ./plan.cjs (plain CommonJS for the cucumber plugin). */
export declare const SHARD_ENV: 'DISK_SPEC_SHARD'
export declare const DURATIONS_ENV: 'DISK_SPEC_SHARD_DURATIONS'
export interface ScenarioRef {
  readonly uri: string
  readonly name: string
}
export declare function parseShard(text: string, setting: string): { index: number; total: number }
export declare function scenarioKey(uri: string, name: string): string
export declare function scenarioSeconds(ndjson: string): Map<string, number>
export declare function readScenarioSeconds(path: string): Map<string, number>
export declare function planShards(
  scenarios: readonly ScenarioRef[],
  total: number,
  seconds?: ReadonlyMap<string, number>,
): number[]
