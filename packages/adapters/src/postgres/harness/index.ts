/**
 * @daicho/adapters/postgres/harness — a throw-away PostgreSQL cluster for tests and
 * benchmarks: `initdb` into a temporary directory, `pg_ctl start` on a free port with a
 * private unix-socket directory, one database created, and everything stopped and removed
 * afterwards. When `DAICHO_PG_URL` is set, that server is used instead and nothing is
 * started. PostgreSQL refuses to run as root, so when the caller is root the cluster runs
 * as the `postgres` OS user (or `DAICHO_PG_OS_USER`).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PgClusterOptions {
  /** Keep fsync on (benchmarks); tests default to off, which still survives a server crash. */
  readonly durable?: boolean;
  /** Extra `postgres -c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Ignore `DAICHO_PG_URL` and always start a private cluster (tests that restart the server). */
  readonly privateCluster?: boolean;
  /** Also listen on 127.0.0.1 and hand out a TCP URL (benchmarks; peers that need TCP). */
  readonly tcp?: boolean;
}

export interface PgCluster {
  /** A `postgresql://` URL for the test database (unix socket when the cluster is private). */
  readonly url: string;
  /** True when this process started the server (false under `DAICHO_PG_URL`). */
  readonly owned: boolean;
  /** Stop the server (`fast` waits for clients to be disconnected, `immediate` is a crash). */
  stop(mode?: "fast" | "immediate"): void;
  /** Start it again after `stop`, on the same port and data directory. */
  start(): void;
  /** Stop the server and remove its directory; a no-op for an external server. */
  destroy(): void;
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

/**
 * Start a private PostgreSQL cluster (or use `DAICHO_PG_URL`) and create a database in
 * it. The caller must call `destroy()`; a cluster is also stopped on process exit.
 */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const external = process.env.DAICHO_PG_URL;
  if (external !== undefined && external !== "" && options.privateCluster !== true) {
    return { url: external, owned: false, stop: refuse, start: refuse, destroy: () => {} };
  }
  const bin = findPgBin();
  const user = osUser();
  const root = mkdtempSync(join(tmpdir(), "daicho-pg-"));
  const data = join(root, "data");
  const sockets = join(root, "sock");
  const log = join(root, "server.log");
  if (user !== undefined) {
    chownSync(root, user.uid, user.gid);
  }
  chmodSync(root, 0o755);
  run(user, join(bin, "initdb"), [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  run(user, "mkdir", ["-p", sockets]);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: options.tcp === true ? "127.0.0.1" : "''",
    port: String(port),
    unix_socket_directories: `'${sockets}'`,
    max_connections: "200",
    fsync: options.durable === true ? "on" : "off",
    full_page_writes: options.durable === true ? "on" : "off",
    ...options.settings,
  };
  const serverArgs = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(" ");
  const start = () =>
    run(user, join(bin, "pg_ctl"), [
      "-D",
      data,
      "-l",
      log,
      "-w",
      "-t",
      "60",
      "-o",
      serverArgs,
      "start",
    ]);
  const stop = (mode: "fast" | "immediate" = "fast") =>
    run(user, join(bin, "pg_ctl"), ["-D", data, "-w", "-t", "60", "-m", mode, "stop"]);
  start();
  let running = true;
  const destroy = () => {
    if (running) {
      try {
        stop("immediate");
      } catch {
        // already stopped
      }
      running = false;
    }
    rmSync(root, { recursive: true, force: true });
    process.off("exit", destroy);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  };
  // Interrupted (Ctrl-C, a killed benchmark): remove the cluster, then die of the same signal.
  const onSignal = (signal: NodeJS.Signals) => {
    destroy();
    process.kill(process.pid, signal);
  };
  process.on("exit", destroy);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const database = "daicho_test";
  run(user, join(bin, "createdb"), ["-h", sockets, "-p", String(port), "-U", "postgres", database]);
  return {
    url:
      options.tcp === true
        ? `postgresql://postgres@127.0.0.1:${port}/${database}`
        : `postgresql://postgres@/${database}?host=${encodeURIComponent(sockets)}&port=${port}`,
    owned: true,
    stop: (mode) => {
      stop(mode);
      running = false;
    },
    start: () => {
      start();
      running = true;
    },
    destroy,
  };
}

function refuse(): never {
  throw new Error("cannot stop or start an external server (DAICHO_PG_URL)");
}

/** The directory holding initdb/pg_ctl: `DAICHO_PG_BIN`, the newest /usr/lib/postgresql/N/bin, or PATH. */
function findPgBin(): string {
  const fromEnv = process.env.DAICHO_PG_BIN;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base)
      .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, "bin", "initdb")))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(base, versions[0], "bin");
  }
  const found = spawnSync("sh", ["-c", "command -v initdb"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status === 0 && path !== "") return path.replace(/\/initdb$/, "");
  throw new Error(
    "PostgreSQL binaries not found: install postgresql or set DAICHO_PG_BIN or DAICHO_PG_URL",
  );
}

/** PostgreSQL will not run as root: when we are root, run it as `postgres`. */
function osUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = process.env.DAICHO_PG_OS_USER ?? "postgres";
  const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8" }).trim());
  return { uid, gid };
}

function run(user: OsUser | undefined, file: string, args: readonly string[]): void {
  const result = spawnSync(file, args, {
    encoding: "utf8",
    ...(user === undefined ? {} : { uid: user.uid, gid: user.gid }),
    env: { ...process.env, LC_ALL: "C", ...(user === undefined ? {} : { HOME: tmpdir() }) },
    cwd: tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (result.status !== 0) {
    throw new Error(
      `${file} ${args.join(" ")} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
