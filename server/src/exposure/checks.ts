/**
 * The 81 checks of `systemd-analyze security` (systemd 252), in systemd's order, as data: the JSON
 * field name, the setting it is about, weight and range (see the shared exposure table), and how the
 * badness follows from the loaded unit's state. Descriptions are pola's own wording.
 */
import { CAP_ALL, NAMESPACE_FLAGS, SecurityState, capBit, syscallGroupMembers } from "./unit";

export interface CheckDef {
  /** systemd's json_field name, e.g. "PrivateNetwork". */
  id: string;
  /** The setting as systemd-analyze names the row, e.g. "PrivateNetwork=". */
  setting: string;
  weight: number;
  range: number;
  /** N/A (not counted) when the unit has DefaultDependencies=no. */
  defaultDependenciesOnly: boolean;
  /** Badness 0..range, or null for N/A. */
  assess(s: SecurityState): number | null;
  /** Text for the state: [good, bad]; multi-level checks produce their own. */
  describe(s: SecurityState, badness: number | null): string;
  /** Directives whose values this check reads (after systemd's implications), for range analysis. */
  reads: readonly string[];
}

/** security_info_runs_privileged(): User= is root/0, or unset without DynamicUser=. */
export function runsPrivileged(s: SecurityState): boolean {
  if (s.user === "0" || s.user === "root") return true;
  if (s.dynamicUser) return false;
  return s.user === null || s.user === "";
}

const NA = "Not applicable";

function text(good: string, bad: string): (s: SecurityState, b: number | null) => string {
  return (_s, b) => (b === null ? NA : b === 0 ? good : bad);
}

/** A boolean option where "on" is good (or bad, when inverted). */
function boolCheck(
  id: string, weight: number, field: keyof SecurityState, good: string, bad: string,
  reads: readonly string[], opts: { inverted?: boolean; ddOnly?: boolean } = {},
): CheckDef {
  return {
    id,
    setting: `${id}=`,
    weight,
    range: 1,
    defaultDependenciesOnly: opts.ddOnly ?? false,
    assess: (s) => {
      const v = s[field] as boolean;
      return opts.inverted ? (v ? 1 : 0) : v ? 0 : 1;
    },
    describe: text(good, bad),
    reads,
  };
}

const CAP_READS = ["CapabilityBoundingSet", "PrivateDevices", "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock"];

function capCheck(suffix: string, label: string, weight: number, caps: number[], good: string, bad: string): CheckDef {
  let mask = 0n;
  for (const c of caps) mask |= capBit(c);
  return {
    id: `CapabilityBoundingSet_${suffix}`,
    setting: `CapabilityBoundingSet=~${label}`,
    weight,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => ((s.capabilityBoundingSet & mask & CAP_ALL) !== 0n ? 1 : 0),
    describe: text(good, bad),
    reads: CAP_READS,
  };
}

function nsCheck(ns: string, weight: number, what: string): CheckDef {
  const flag = NAMESPACE_FLAGS[ns]!;
  return {
    id: `RestrictNamespaces_${ns}`,
    setting: `RestrictNamespaces=~${ns}`,
    weight,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => ((s.allowedNamespaces & flag) !== 0 ? 1 : 0),
    describe: text(`Cannot create ${what} namespaces`, `Can create ${what} namespaces`),
    reads: ["RestrictNamespaces"],
  };
}

function afCheck(suffix: string, label: string, weight: number, bucket: keyof SecurityState["restrictedFamilies"], what: string): CheckDef {
  return {
    id: `RestrictAddressFamilies_${suffix}`,
    setting: `RestrictAddressFamilies=~${label}`,
    weight,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (s.restrictedFamilies[bucket] ? 0 : 1),
    describe: text(`Cannot open ${what} sockets`, `Can open ${what} sockets`),
    reads: ["RestrictAddressFamilies"],
  };
}

/** The first native syscall of the group that makes the filter bad, or null if the group is covered. */
export function syscallOffender(s: SecurityState, group: string): string | null {
  const f = s.syscallFilter;
  if (!f) return null;
  for (const name of syscallGroupMembers(group)) {
    if (f.names.has(name) === f.allowList) return name;
  }
  return null;
}

function syscallCheck(group: string, weight: number): CheckDef {
  const suffix = group.slice(1).replace(/-/g, "_");
  return {
    id: `SystemCallFilter_${suffix}`,
    setting: `SystemCallFilter=~${group}`,
    weight,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => {
      const f = s.syscallFilter;
      if (!f || (!f.allowList && f.names.size === 0)) return 10;
      const bad = syscallOffender(s, group) !== null;
      if (f.allowList) return bad ? 9 : 0;
      return bad ? 10 : 0;
    },
    describe: (s, b) => {
      const f = s.syscallFilter;
      if (!f || (!f.allowList && f.names.size === 0)) return "System calls are not filtered";
      const off = syscallOffender(s, group);
      if (f.allowList) {
        return b === 0 ? `Allow-list excludes ${group}` : `Allow-list lets ${group} through (e.g. ${off})`;
      }
      return b === 0 ? `Deny-list covers ${group}` : `Deny-list misses part of ${group} (e.g. ${off})`;
    },
    reads: ["SystemCallFilter"],
  };
}

const USER_READS = ["User", "DynamicUser"];

export const CHECKS: readonly CheckDef[] = [
  {
    id: "UserOrDynamicUser",
    setting: "User=/DynamicUser=",
    weight: 2000,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => {
      if (s.user === "nobody") return 9;
      if (s.dynamicUser && s.user !== "0" && s.user !== "root") return 0;
      if (s.user !== null && s.user !== "0" && s.user !== "root" && s.user !== "") return 0;
      return 10;
    },
    describe: (s, b) =>
      b === 9 ? "Runs as the shared 'nobody' user"
        : b === 0 ? (s.dynamicUser ? "Runs as a dynamic (transient) non-root user" : "Runs as a static non-root user")
          : "Runs as root",
    reads: USER_READS,
  },
  {
    id: "SupplementaryGroups",
    setting: "SupplementaryGroups=",
    weight: 200,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (runsPrivileged(s) ? null : s.supplementaryGroups.length > 0 ? 1 : 0),
    describe: (_s, b) => (b === null ? "Runs as root, so supplementary groups do not matter"
      : b === 0 ? "No supplementary groups" : "Has supplementary groups"),
    reads: [...USER_READS, "SupplementaryGroups"],
  },
  boolCheck("PrivateDevices", 1000, "privateDevices", "No access to physical devices", "May access physical devices", ["PrivateDevices"]),
  boolCheck("PrivateMounts", 1000, "privateMounts", "Cannot install mounts visible to the host", "May install mounts visible to the host", ["PrivateMounts"]),
  boolCheck("PrivateNetwork", 2500, "privateNetwork", "No access to the host's network", "Has the host's network", ["PrivateNetwork"]),
  boolCheck("PrivateTmp", 1000, "privateTmp", "Has its own /tmp and /var/tmp", "Shares /tmp and /var/tmp with other software", ["PrivateTmp", "DynamicUser"], { ddOnly: true }),
  boolCheck("PrivateUsers", 1000, "privateUsers", "Cannot see other users (user namespace)", "Sees the host's users", ["PrivateUsers"]),
  boolCheck("ProtectControlGroups", 1000, "protectControlGroups", "Cannot modify the cgroup file system", "May modify the cgroup file system", ["ProtectControlGroups"]),
  boolCheck("ProtectKernelModules", 1000, "protectKernelModules", "Cannot load or read kernel modules", "May load or read kernel modules", ["ProtectKernelModules"]),
  boolCheck("ProtectKernelTunables", 1000, "protectKernelTunables", "Cannot change kernel tunables", "May change kernel tunables (/proc/sys, /sys)", ["ProtectKernelTunables"]),
  boolCheck("ProtectKernelLogs", 1000, "protectKernelLogs", "Cannot read or write the kernel log", "May read or write the kernel log", ["ProtectKernelLogs"]),
  boolCheck("ProtectClock", 1000, "protectClock", "Cannot set the system or hardware clock", "May set the system or hardware clock", ["ProtectClock"]),
  {
    id: "ProtectHome",
    setting: "ProtectHome=",
    weight: 1000,
    range: 10,
    defaultDependenciesOnly: true,
    assess: (s) => (s.protectHome === "yes" ? 0 : s.protectHome === "tmpfs" ? 1 : s.protectHome === "read-only" ? 5 : 10),
    describe: (_s, b) => (b === null ? NA : b === 0 ? "No access to home directories"
      : b === 1 ? "Sees empty stand-in home directories" : b === 5 ? "Can read home directories" : "Full access to home directories"),
    reads: ["ProtectHome", "DynamicUser"],
  },
  boolCheck("ProtectHostname", 50, "protectHostname", "Cannot change the host or domain name", "May change the host or domain name", ["ProtectHostname"]),
  {
    id: "ProtectSystem",
    setting: "ProtectSystem=",
    weight: 1000,
    range: 10,
    defaultDependenciesOnly: true,
    assess: (s) => (s.protectSystem === "strict" ? 0 : s.protectSystem === "full" ? 3 : s.protectSystem === "yes" ? 5 : 10),
    describe: (_s, b) => (b === null ? NA : b === 0 ? "The whole OS tree is read-only"
      : b === 3 ? "/usr, /boot and /etc are read-only" : b === 5 ? "/usr and /boot are read-only" : "Full write access to the OS tree"),
    reads: ["ProtectSystem", "DynamicUser"],
  },
  {
    id: "RootDirectoryOrRootImage",
    setting: "RootDirectory=/RootImage=",
    weight: 200,
    range: 1,
    defaultDependenciesOnly: true,
    assess: (s) => {
      const emptyOrRoot = (x: string | null) => x === null || x === "" || x === "/";
      return emptyOrRoot(s.rootDirectory) && emptyOrRoot(s.rootImage) ? 1 : 0;
    },
    describe: text("Runs in its own root directory or image", "Runs in the host's root directory"),
    reads: ["RootDirectory", "RootImage"],
  },
  boolCheck("LockPersonality", 100, "lockPersonality", "Cannot change its execution domain (personality)", "May change its execution domain (personality)", ["LockPersonality"]),
  boolCheck("MemoryDenyWriteExecute", 100, "memoryDenyWriteExecute", "Cannot map memory writable and executable", "May map memory writable and executable", ["MemoryDenyWriteExecute"]),
  boolCheck("NoNewPrivileges", 1000, "noNewPrivileges", "Cannot gain privileges (setuid binaries, file capabilities)", "May gain privileges through setuid binaries or file capabilities", ["NoNewPrivileges", "DynamicUser"]),
  capCheck("CAP_SYS_ADMIN", "CAP_SYS_ADMIN", 1500, [21], "No CAP_SYS_ADMIN", "Keeps CAP_SYS_ADMIN (near-root)"),
  capCheck("CAP_SET_UID_GID_PCAP", "CAP_SET(UID|GID|PCAP)", 1500, [7, 6, 8], "Cannot change UIDs, GIDs or capabilities", "May change UIDs, GIDs or capabilities"),
  capCheck("CAP_SYS_PTRACE", "CAP_SYS_PTRACE", 1500, [19], "Cannot ptrace other processes", "May ptrace other processes"),
  capCheck("CAP_SYS_TIME", "CAP_SYS_TIME", 1000, [25], "Cannot set the system clock", "May set the system clock"),
  capCheck("CAP_NET_ADMIN", "CAP_NET_ADMIN", 1000, [12], "Cannot configure the network", "May configure the network"),
  capCheck("CAP_SYS_RAWIO", "CAP_SYS_RAWIO", 1000, [17], "No raw I/O", "May do raw I/O"),
  capCheck("CAP_SYS_MODULE", "CAP_SYS_MODULE", 1000, [16], "Cannot load kernel modules", "May load kernel modules"),
  capCheck("CAP_AUDIT", "CAP_AUDIT_*", 500, [30, 37, 29], "No audit capabilities", "Has audit capabilities"),
  capCheck("CAP_SYSLOG", "CAP_SYSLOG", 500, [34], "Cannot use privileged syslog operations", "May use privileged syslog operations"),
  capCheck("CAP_SYS_NICE_RESOURCE", "CAP_SYS_(NICE|RESOURCE)", 500, [23, 24], "Cannot override scheduling or resource limits", "May override scheduling or resource limits"),
  capCheck("CAP_MKNOD", "CAP_MKNOD", 500, [27], "Cannot create device nodes", "May create device nodes"),
  capCheck("CAP_CHOWN_FSETID_SETFCAP", "CAP_(CHOWN|FSETID|SETFCAP)", 1000, [0, 4, 31], "Cannot chown files or set file capabilities freely", "May chown files and set file capabilities freely"),
  capCheck("CAP_DAC_FOWNER_IPC_OWNER", "CAP_(DAC_*|FOWNER|IPC_OWNER)", 1000, [1, 2, 3, 15], "Cannot bypass file or IPC permission checks", "May bypass file and IPC permission checks"),
  capCheck("CAP_KILL", "CAP_KILL", 500, [5], "Cannot signal other users' processes", "May signal any process"),
  capCheck("CAP_NET_BIND_SERVICE_BROADCAST_RAW", "CAP_NET_(BIND_SERVICE|BROADCAST|RAW)", 500, [10, 11, 13], "No privileged networking (low ports, raw sockets)", "Has privileged networking (low ports, raw sockets)"),
  capCheck("CAP_SYS_BOOT", "CAP_SYS_BOOT", 100, [22], "Cannot reboot the system", "May reboot the system"),
  capCheck("CAP_MAC", "CAP_MAC_*", 100, [33, 32], "Cannot change or override MAC policy", "May change or override MAC policy"),
  capCheck("CAP_LINUX_IMMUTABLE", "CAP_LINUX_IMMUTABLE", 75, [9], "Cannot set immutable or append-only flags", "May set immutable or append-only flags"),
  capCheck("CAP_IPC_LOCK", "CAP_IPC_LOCK", 50, [14], "Cannot lock memory", "May lock memory"),
  capCheck("CAP_SYS_CHROOT", "CAP_SYS_CHROOT", 50, [18], "Cannot chroot", "May chroot"),
  capCheck("CAP_BLOCK_SUSPEND", "CAP_BLOCK_SUSPEND", 25, [36], "Cannot block system suspend", "May block system suspend"),
  capCheck("CAP_WAKE_ALARM", "CAP_WAKE_ALARM", 25, [35], "Cannot set wake-up alarms", "May set wake-up alarms"),
  capCheck("CAP_LEASE", "CAP_LEASE", 25, [28], "Cannot take file leases", "May take file leases"),
  capCheck("CAP_SYS_TTY_CONFIG", "CAP_SYS_TTY_CONFIG", 25, [26], "Cannot configure terminals", "May configure terminals"),
  capCheck("CAP_SYS_PACCT", "CAP_SYS_PACCT", 25, [20], "Cannot configure process accounting", "May configure process accounting"),
  capCheck("CAP_BPF", "CAP_BPF", 25, [39], "Cannot load BPF programs", "May load BPF programs"),
  {
    id: "UMask",
    setting: "UMask=",
    weight: 100,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => {
      const m = s.umask;
      if (!(m & 0o002)) return 10;
      if (!(m & 0o004)) return 5;
      if (!(m & 0o020)) return 2;
      if (!(m & 0o040)) return 1;
      return 0;
    },
    describe: (_s, b) => (b === 10 ? "New files are world-writable" : b === 5 ? "New files are world-readable"
      : b === 2 ? "New files are group-writable" : b === 1 ? "New files are group-readable" : "New files are private to the service's user"),
    reads: ["UMask"],
  },
  {
    id: "KeyringMode",
    setting: "KeyringMode=",
    weight: 1000,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (s.keyringMode === "private" ? 0 : 1),
    describe: text("Has its own kernel keyring", "Shares kernel keyring material"),
    reads: ["KeyringMode"],
  },
  {
    id: "ProtectProc",
    setting: "ProtectProc=",
    weight: 1000,
    range: 3,
    defaultDependenciesOnly: false,
    assess: (s) => (s.protectProc === "noaccess" ? 1 : s.protectProc === "invisible" || s.protectProc === "ptraceable" ? 0 : 3),
    describe: (_s, b) => (b === 0 ? "Sees only its own processes in /proc" : b === 1 ? "Other processes in /proc are inaccessible but visible" : "Sees every process in /proc"),
    reads: ["ProtectProc"],
  },
  {
    id: "ProcSubset",
    setting: "ProcSubset=",
    weight: 10,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (s.procSubset === "pid" ? 0 : 1),
    describe: text("Sees only the process part of /proc", "Sees all of /proc, not only processes"),
    reads: ["ProcSubset"],
  },
  {
    id: "NotifyAccess",
    setting: "NotifyAccess=",
    weight: 1000,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (s.notifyAccess === "all" ? 1 : 0),
    describe: text("Child processes cannot send service notifications", "Any process in the unit may send service notifications"),
    reads: ["NotifyAccess"],
  },
  {
    id: "RemoveIPC",
    setting: "RemoveIPC=",
    weight: 100,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (runsPrivileged(s) ? null : s.removeIPC ? 0 : 1),
    describe: (_s, b) => (b === null ? "Runs as root, so IPC clean-up does not apply"
      : b === 0 ? "Its SysV/POSIX IPC objects are removed when it stops" : "May leave SysV/POSIX IPC objects behind"),
    reads: [...USER_READS, "RemoveIPC"],
  },
  boolCheck("Delegate", 100, "delegate", "Does not manage its own cgroup subtree", "Manages a delegated cgroup subtree", ["Delegate"], { inverted: true }),
  boolCheck("RestrictRealtime", 500, "restrictRealtime", "Cannot use realtime scheduling", "May use realtime scheduling", ["RestrictRealtime"]),
  boolCheck("RestrictSUIDSGID", 1000, "restrictSUIDSGID", "Cannot create setuid/setgid files", "May create setuid/setgid files", ["RestrictSUIDSGID", "DynamicUser"]),
  nsCheck("user", 1500, "user"),
  nsCheck("mnt", 500, "mount"),
  nsCheck("ipc", 500, "IPC"),
  nsCheck("pid", 500, "PID"),
  nsCheck("cgroup", 500, "cgroup"),
  nsCheck("net", 500, "network"),
  nsCheck("uts", 100, "UTS (host name)"),
  afCheck("AF_INET_INET6", "AF_(INET|INET6)", 1500, "inet", "Internet (IPv4/IPv6)"),
  afCheck("AF_UNIX", "AF_UNIX", 25, "unix", "local (AF_UNIX)"),
  afCheck("AF_NETLINK", "AF_NETLINK", 200, "netlink", "netlink"),
  afCheck("AF_PACKET", "AF_PACKET", 1000, "packet", "packet (raw link-layer)"),
  afCheck("OTHER", "…", 1250, "other", "other (exotic)"),
  {
    id: "SystemCallArchitectures",
    setting: "SystemCallArchitectures=",
    weight: 1000,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => {
      const a = s.syscallArchitectures;
      if (a.size === 0) return 10;
      return a.size === 1 && a.has("native") ? 0 : 8;
    },
    describe: (_s, b) => (b === 0 ? "Only the native system call ABI" : b === 8 ? "Several system call ABIs" : "Every system call ABI"),
    reads: ["SystemCallArchitectures"],
  },
  syscallCheck("@swap", 1000),
  syscallCheck("@obsolete", 250),
  syscallCheck("@clock", 1000),
  syscallCheck("@cpu-emulation", 250),
  syscallCheck("@debug", 1000),
  syscallCheck("@mount", 1000),
  syscallCheck("@module", 1000),
  syscallCheck("@raw-io", 1000),
  syscallCheck("@reboot", 1000),
  syscallCheck("@privileged", 700),
  syscallCheck("@resources", 700),
  {
    id: "IPAddressDeny",
    setting: "IPAddressDeny=",
    weight: 1000,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => {
      if (s.ipCustomFilters) return 0;
      if (!s.ipDenyAll) return 10;
      if (s.ipAllowOther) return 5;
      if (s.ipAllowLocalhost) return 2;
      return 0;
    },
    describe: (s, b) => (s.ipCustomFilters ? "Custom BPF ingress/egress filters" : b === 10 ? "No IP address allow-list"
      : b === 5 ? "IP allow-list includes non-local addresses" : b === 2 ? "IP allow-list is local host only" : "All IP traffic blocked"),
    reads: ["IPAddressDeny", "IPAddressAllow", "IPIngressFilterPath", "IPEgressFilterPath"],
  },
  {
    id: "DeviceAllow",
    setting: "DeviceAllow=",
    weight: 1000,
    range: 10,
    defaultDependenciesOnly: false,
    assess: (s) => (s.devicePolicy === "strict" || s.devicePolicy === "closed" ? (s.deviceAllowCount > 0 ? 5 : 0) : 10),
    describe: (_s, b) => (b === 0 ? "No device access beyond the basic pseudo-devices" : b === 5 ? "Device access list with some extra devices" : "No device access list"),
    reads: ["DevicePolicy", "DeviceAllow", "PrivateDevices", "ProtectClock", "RootImage", "MountImages"],
  },
  {
    id: "AmbientCapabilities",
    setting: "AmbientCapabilities=",
    weight: 500,
    range: 1,
    defaultDependenciesOnly: false,
    assess: (s) => (s.ambientCapabilities !== 0n ? 1 : 0),
    describe: text("Receives no ambient capabilities", "Receives ambient capabilities"),
    reads: ["AmbientCapabilities"],
  },
];
