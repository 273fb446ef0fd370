/**
 * Turns what BoxLite says when it cannot make or boot a box into one sentence: the cause and the
 * way forward. Pure: it only reads the runtime's message (SDK error or CLI stderr) and, when there
 * are any, the box's log lines. The messages are BoxLite 0.10.0's own (docs/reference/boxlite-contract.md §2, §10).
 */

export type CauseCode =
  | 'nested-hypervisor'
  | 'vm-crashed'
  | 'vm-boot-failed'
  | 'boot-timeout'
  | 'sandbox-blocked'
  | 'no-kvm'
  | 'kvm-permission'
  | 'kvm-unusable'
  | 'kvm-cannot-run-vm'
  | 'registry'
  | 'bad-rootfs'
  | 'home-locked'
  | 'relative-home'
  | 'no-such-box'
  | 'sdk-missing'
  | 'unsupported-platform'
  | 'exec-failed'
  | 'unknown'

interface Diagnosis {
  readonly code: CauseCode
  /** What is wrong, in words a person running the suite understands. */
  readonly cause: string
  /** What to do about it. */
  readonly wayForward: string
}

/** The one sentence a person reads: `cause: way forward.` */
export function sentence(d: Diagnosis): string {
  return `${d.cause}: ${d.wayForward}.`
}

const REFERENCE = 'or use `--profile reference` to run the suite against the reference runtime'
const OFFLINE =
  'set BOXLITE_REGISTRY to a reachable registry mirror, or BOXLITE_ROOTFS to an offline OCI layout (`./bin/refbox ' +
  'build-image --out DIR`)'

interface Rule {
  readonly matches: RegExp
  readonly diagnose: (message: string, logText: string) => Diagnosis
}

function fixed(code: CauseCode, cause: string, wayForward: string): Rule['diagnose'] {
  return () => ({ code, cause, wayForward })
}

/** First match wins, so the specific messages come before the general ones. */
const RULES: readonly Rule[] = [
  {
    matches: new RegExp(
      [
        'Cannot find native binding',
        "Cannot find (?:module|package) '@boxlite-ai/boxlite",
        'Native binding package version mismatch',
      ].join('|'),
      'i',
    ),
    diagnose: fixed(
      'sdk-missing',
      'the embedded BoxLite runtime (@boxlite-ai/boxlite) is not installed for this platform',
      `run \`npm ci\` on Linux x86_64/arm64 or macOS on Apple Silicon, set BOXLITE_DRIVER=cli with a \`boxlite\` ` +
        `binary, ${REFERENCE}`,
    ),
  },
  {
    matches: /BoxLite needs Linux with KVM or macOS on Apple Silicon/i,
    diagnose: (message) => ({
      code: 'unsupported-platform',
      cause:
        `BoxLite cannot run on this host ` +
        `(${/this is ([^\n;.]+)/.exec(message)?.[1] ?? 'unsupported platform'}): it needs Linux with KVM or macOS on ` +
        `Apple Silicon`,
      wayForward: 'run the suite on such a host, or on Linux use `--profile reference`',
    }),
  },
  {
    matches: /KVM is not available on this host|\/dev\/kvm is missing/i,
    diagnose: fixed(
      'no-kvm',
      'this host has no KVM (/dev/kvm is missing)',
      `run on bare metal with virtualization enabled or on a VM with nested VMX/SVM (load kvm_intel or kvm_amd), ` +
        `${REFERENCE}`,
    ),
  },
  {
    matches: /KVM is available but access is denied|\/dev\/kvm: permission denied|\/dev\/kvm is not read-writable/i,
    diagnose: fixed(
      'kvm-permission',
      'this user may not use /dev/kvm (it needs read-write access)',
      `add the user to the kvm group (\`sudo usermod -aG kvm $USER\`, then log in again), ${REFERENCE}`,
    ),
  },
  {
    matches: /KVM could not be opened/i,
    diagnose: fixed(
      'kvm-unusable',
      'this host has /dev/kvm but it could not be opened',
      `check that the kvm module is loaded and the device is healthy (\`dmesg | grep -i kvm\`), ${REFERENCE}`,
    ),
  },
  {
    matches: /KVM is present but cannot run a virtual machine|KVM smoke test failed/i,
    diagnose: fixed(
      'kvm-cannot-run-vm',
      'this host exposes /dev/kvm but KVM cannot run even a minimal virtual machine (nested virtualization is off)',
      `run on bare metal or a VM with nested VMX/SVM enabled, ${REFERENCE}`,
    ),
  },
  {
    matches: /Another BoxliteRuntime is already using directory/i,
    diagnose: (message) => ({
      code: 'home-locked',
      cause:
        `another BoxLite runtime is already using the home ${lockedHome(message)}(one runtime per home, a CLI ` +
        `call or an SDK runtime)`,
      wayForward: 'give every runtime its own BoxLite home, or wait for the other process to finish',
    }),
  },
  {
    matches: /home_dir must be absolute path/i,
    diagnose: fixed('relative-home', 'the BoxLite home is a relative path', 'pass an absolute path as the home'),
  },
  {
    matches: /Rootfs path does not exist/i,
    diagnose: (message) => ({
      code: 'bad-rootfs',
      cause: `the offline image ${missingPath(message)}does not exist`,
      wayForward: 'point BOXLITE_ROOTFS at a directory made by `./bin/refbox build-image --out DIR`',
    }),
  },
  {
    matches: /Local image must contain oci-layout file/i,
    diagnose: (message) => ({
      code: 'bad-rootfs',
      cause: `the offline image ${quotedPath(message)}is not an OCI image layout (no oci-layout file)`,
      wayForward:
        'point BOXLITE_ROOTFS at a directory made by `./bin/refbox build-image --out DIR` or `skopeo copy ' +
        'docker://alpine:latest oci:DIR`',
    }),
  },
  {
    matches: new RegExp(
      [
        'Failed to pull image',
        'failed to pull manifest',
        'images error',
        'error sending request for url',
        'failed to pull platform manifest',
      ].join('|'),
      'i',
    ),
    diagnose: (message) => ({
      code: 'registry',
      cause: `the image ${pulledImage(message)}cannot be pulled (no registry reachable from this host)`,
      wayForward: OFFLINE,
    }),
  },
  {
    matches: /Timeout waiting for guest ready|VM subprocess exited before guest became ready/i,
    diagnose: fixed(
      'sandbox-blocked',
      "BoxLite's box sandbox did not come up (on Ubuntu 24.04 AppArmor blocks the unprivileged user namespaces it " +
        'needs)',
      'allow them (`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0` or the bwrap-userns-restrict ' +
        'AppArmor profile), or use `--profile reference`',
    ),
  },
  {
    matches:
      /The VM failed to start: timed out|boot timed out|timed out after \d+ ?s? while (?:creating|booting|starting)/i,
    diagnose: fixed(
      'boot-timeout',
      'a BoxLite box did not finish booting within the time limit',
      `check that the host is not overloaded and that the box logs under the BoxLite home show progress, ${REFERENCE}`,
    ),
  },
  {
    matches: /The VM failed to start\.?\s*$|VM failed to start \(libkrun status=/im,
    diagnose: (_message, logText) =>
      /KVM_EXIT_INTERNAL_ERROR/.test(logText)
        ? {
            code: 'nested-hypervisor',
            cause:
              "this host exposes /dev/kvm but cannot boot BoxLite's guest kernel " +
              '(nested or paravirtualised hypervisor: the VM stopped with KVM_EXIT_INTERNAL_ERROR)',
            wayForward: `run on bare metal or a VM with nested VMX/SVM, ${REFERENCE}`,
          }
        : {
            code: 'vm-boot-failed',
            cause:
              "this host exposes /dev/kvm but BoxLite's VM exited while booting " +
              '(most often a nested or paravirtualised hypervisor; the box logs below tell more)',
            wayForward: `run on bare metal or a VM with nested VMX/SVM, ${REFERENCE}`,
          },
  },
  {
    matches: /The VM failed to start: ([^\n.]+)/i,
    diagnose: (message) => ({
      code: 'vm-crashed',
      cause:
        `BoxLite's VM process crashed while booting ` +
        `(${/The VM failed to start: ([^\n]+?)\.?$/im.exec(message)?.[1] ?? 'unknown signal'})`,
      wayForward: `read the box logs printed below and report it to BoxLite with them, ${REFERENCE}`,
    }),
  },
  {
    matches: /^preflight command failed in the box/i,
    diagnose: (message) => ({
      code: 'exec-failed',
      cause:
        `a box booted but running a command in it failed ` +
        `(${message.replace(/^preflight command failed in the box:?\s*/i, '').split('\n')[0]})`,
      wayForward: `read the box logs printed below, ${REFERENCE}`,
    }),
  },
  {
    matches: /box not found|No such box/i,
    diagnose: fixed(
      'no-such-box',
      'the box does not exist (it was removed, or never created)',
      'create it first, or check the id',
    ),
  },
]

/**
 * Maps a BoxLite error (SDK `Error.message` or CLI stderr) to a diagnosis. `logText` is the box's
 * log (shim.stderr, boxlite-shim.log, console.log) when the caller could read it: it tells a nested
 * hypervisor (`KVM_EXIT_INTERNAL_ERROR`) apart from other boot failures behind the same message.
 */
export function diagnose(message: string, logText = ''): Diagnosis {
  const text = message.trim()
  for (const rule of RULES) {
    if (rule.matches.test(text)) return rule.diagnose(text, logText)
  }
  return {
    code: 'unknown',
    cause: `BoxLite failed with "${firstLine(text)}"`,
    wayForward: `read the box logs printed below, ${REFERENCE}`,
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '(no message)'
  return line.replace(/^Error:\s*/, '').trim()
}

function lockedHome(message: string): string {
  const m = /already using directory: (\S+)/.exec(message)
  return m ? `${m[1]} ` : ''
}

function quotedPath(message: string): string {
  const m = /not found at: (\S+)/.exec(message)
  return m ? `${m[1].replace(/\/oci-layout$/, '')} ` : ''
}

function missingPath(message: string): string {
  const m = /does not exist: (\S+)/.exec(message)
  return m ? `${m[1]} ` : ''
}

function pulledImage(message: string): string {
  const m = /Failed to pull image '([^']+)'/.exec(message)
  return m ? `${m[1]} ` : ''
}
