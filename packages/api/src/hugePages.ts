/**
 * Large in-memory tables are cheaper to fill in huge pages. A command that holds the log's append indexes (about
 * 1.5 GB at province scale: `kpi serve`, `kpi import`, ...) touches every page of them when it opens the log;
 * measured on a 2-core virtual machine, first touching 1 GiB of fresh memory in 4 KiB pages took 2.8–4.0 s, in
 * 2 MiB transparent huge pages 0.1–0.3 s. Node's array buffers come from glibc's malloc, which asks the kernel
 * for huge pages (madvise) only when its `glibc.malloc.hugetlb=1` tunable is set — and tunables are read when
 * a process starts. So on Linux those commands run themselves again, once, as a child with the tunable set,
 * passing signals on and exiting with its code; the child stops at once if this process is killed outright
 * (SIGKILL), as the command would have, and names this process as the server's (`launcherPid`).
 * `KPI_HUGE_PAGES=0` turns this off.
 */
import { spawn } from "node:child_process";
import { constants } from "node:os";

/** The commands that open the log for writing or fold at scale. */
const LARGE = new Set(["serve", "demo", "import", "project", "rebuild", "migrate", "publish", "verify"]);

const TUNABLE = "glibc.malloc.hugetlb=1";

/**
 * Runs this command again in a child with huge pages for malloc, when it is worth it and not done yet: resolves
 * with the child's exit code; undefined when the command runs here.
 */
export const inHugePages = (
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> | undefined => {
  const tunables = env.GLIBC_TUNABLES ?? "";
  if (
    process.platform !== "linux" ||
    env.KPI_HUGE_PAGES === "0" ||
    tunables.includes("glibc.malloc.hugetlb") ||
    !LARGE.has(argv[0] ?? "") ||
    argv.includes("--help") ||
    argv.includes("-h")
  ) {
    return undefined;
  }
  // In its own process group, so that a Ctrl-C at the terminal reaches it once, through this process.
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    detached: true,
    env: {
      ...env,
      GLIBC_TUNABLES: tunables === "" ? TUNABLE : `${tunables}:${TUNABLE}`,
      KPI_LAUNCHER_PID: String(process.pid),
    },
  });
  const pass = (s: NodeJS.Signals) => () => void child.kill(s);
  const handlers = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, pass(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      resolve(code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)));
    });
  });
};

/** The process an operator signals to stop this command: the launcher when this runs as its child. */
export const launcherPid = (env: NodeJS.ProcessEnv = process.env): number => {
  const p = Number(env.KPI_LAUNCHER_PID);
  return Number.isInteger(p) && p > 0 ? p : process.pid;
};

/**
 * In the child: stops the process (as SIGKILL would have) as soon as the launcher is gone, checking a few times a
 * second; nothing when this process was not launched so.
 */
export const stopWithLauncher = (env: NodeJS.ProcessEnv = process.env): void => {
  const p = launcherPid(env);
  if (p === process.pid) return;
  setInterval(() => {
    if (process.ppid !== p) process.kill(process.pid, "SIGKILL");
  }, 200).unref();
};
