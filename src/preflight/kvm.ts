/**
 * The cheap host check before any box is booted: BoxLite needs Linux with a read-writable
 * /dev/kvm, or macOS on Apple Silicon (Hypervisor.framework, no device file).
 * Its messages are the ones diagnose() maps, so the wording of every cause lives in one place.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'

export type HostCheck = { readonly ok: true } | { readonly ok: false; readonly message: string }

export interface HostFacts {
  readonly platform: NodeJS.Platform
  readonly arch: string
  readonly kvmDevice: string
  readonly exists: (path: string) => boolean
  /** Whether this process may open the path read-write. */
  readonly readWritable: (path: string) => boolean
}

export function thisHost(kvmDevice = '/dev/kvm'): HostFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    kvmDevice,
    exists: existsSync,
    readWritable: (path) => {
      try {
        accessSync(path, constants.R_OK | constants.W_OK)
        return true
      } catch {
        return false
      }
    },
  }
}

export function checkHost(host: HostFacts = thisHost()): HostCheck {
  if (host.platform === 'darwin') {
    return host.arch === 'arm64'
      ? { ok: true }
      : { ok: false, message: `BoxLite needs Linux with KVM or macOS on Apple Silicon; this is macOS on ${host.arch}` }
  }
  if (host.platform !== 'linux') {
    return {
      ok: false,
      message: `BoxLite needs Linux with KVM or macOS on Apple Silicon; this is ${host.platform}/${host.arch}`,
    }
  }
  if (!host.exists(host.kvmDevice))
    return { ok: false, message: `${host.kvmDevice} is missing: KVM is not available on this host.` }
  if (!host.readWritable(host.kvmDevice)) {
    return {
      ok: false,
      message: `${host.kvmDevice} is not read-writable for this user: KVM is available but access is denied.`,
    }
  }
  return { ok: true }
}

interface VirtualizationFacts {
  /** `flags` of /proc/cpuinfo (empty when unreadable). */
  readonly cpuFlags: readonly string[]
  /** Kernel modules loaded (names under /sys/module). */
  readonly hasModule: (name: string) => boolean
}

function thisHostVirtualization(): VirtualizationFacts {
  let flags: string[] = []
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim().split(/\s+/) ?? []
  } catch {
    // not Linux, or no procfs
  }
  return { cpuFlags: flags, hasModule: (name) => existsSync(`/sys/module/${name}`) }
}

/**
 * What the host says about the virtualization under it: evidence next to a failed boot, since
 * BoxLite's own message ("The VM failed to start.") cannot say it. Empty when nothing stands out.
 */
export function virtualizationHints(facts: VirtualizationFacts = thisHostVirtualization()): string[] {
  const hints: string[] = []
  if (facts.hasModule('kvm_pvm'))
    hints.push('host: /dev/kvm is served by kvm_pvm, a pagetable-based paravirtual hypervisor (PVM)')
  const hasVmx = facts.cpuFlags.includes('vmx') || facts.cpuFlags.includes('svm')
  if (facts.cpuFlags.includes('hypervisor') && !hasVmx && facts.cpuFlags.length > 0) {
    hints.push('host: this machine is itself a virtual machine and its CPU shows no VMX/SVM (no nested virtualization)')
  }
  return hints
}
