/** What the figures were taken on: CPU model, cores, OS and Deno. */

export interface Machine {
  cpu: string;
  cores: number;
  os: string;
  kernel: string;
  deno: string;
  v8: string;
}

function cpuModel(): string {
  try {
    const info = Deno.readTextFileSync("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? "unknown";
  } catch {
    return "unknown"; // not Linux: no /proc
  }
}

function osName(): string {
  try {
    const release = Deno.readTextFileSync("/etc/os-release");
    return /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(release)?.[1] ?? Deno.build.os;
  } catch {
    return Deno.build.os;
  }
}

export function machineInfo(): Machine {
  return {
    cpu: cpuModel(),
    cores: navigator.hardwareConcurrency,
    os: osName(),
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}
