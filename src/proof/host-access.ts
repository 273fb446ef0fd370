/**
 * The promise a scenario without the @host-access tag makes: it reads none of the runtime's files
 * on the host (its home, the boxes' disk files, the image store). The suite enforces it
 * (support/parts/host-gate.ts), and the proof relies on it: a defect that changes only those files
 * (`hostFilesOnly` in src/refbox/sites.ts) cannot change what an untagged scenario sees, so it runs
 * against the tagged scenarios alone (./selection.ts).
 */
export const HOST_ACCESS_TAG = '@host-access'
