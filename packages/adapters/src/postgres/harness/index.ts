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
  /**
   * Start a hot standby of this cluster (a base backup streaming from it, `pg_basebackup
   * -R`), with the same settings on its own port: a real read replica, which lags and can
   * be paused (`SELECT pg_wal_replay_pause()`). Destroyed with this cluster. Refused for an
   * external server.
   */
  startStandby(): Promise<PgCluster>;
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
    return {
      url: external,
      owned: false,
      stop: refuse,
      start: refuse,
      startStandby: refuse,
      destroy: () => {},
    };
  }
  const bin = findPgBin();
  const user = osUser();
  const root = privateRoot(user);
  const data = join(root, "data");
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
  const server = await serve(bin, user, root, options);
  run(user, join(bin, "createdb"), [
    "-h",
    server.sockets,
    "-p",
    String(server.port),
    "-U",
    "postgres",
    DATABASE,
  ]);
  return server.cluster;
}

const DATABASE = "daicho_test";

/** A fresh directory under the temp dir, owned by the server's OS user. */
function privateRoot(user: OsUser | undefined): string {
  const root = mkdtempSync(join(tmpdir(), "daicho-pg-"));
  if (user !== undefined) chownSync(root, user.uid, user.gid);
  chmodSync(root, 0o755);
  return root;
}

interface Served {
  readonly cluster: PgCluster;
  readonly sockets: string;
  readonly port: number;
}

/**
 * Start the server whose data directory is `root/data` on a free port with its sockets in
 * `root/sock`, and hand out the cluster. Its `startStandby` takes a base backup of it
 * (`pg_basebackup -R`, so the copy streams from it as a hot standby) and serves that the
 * same way: a real read replica, with its own lag.
 */
async function serve(
  bin: string,
  user: OsUser | undefined,
  root: string,
  options: PgClusterOptions,
): Promise<Served> {
  const data = join(root, "data");
  const sockets = join(root, "sock");
  const log = join(root, "server.log");
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
  const standbys: PgCluster[] = [];
  const destroy = () => {
    for (const standby of standbys.splice(0)) standby.destroy();
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
  const startStandby = async (): Promise<PgCluster> => {
    const copy = privateRoot(user);
    run(user, join(bin, "pg_basebackup"), [
      "-h",
      sockets,
      "-p",
      String(port),
      "-U",
      "postgres",
      "-D",
      join(copy, "data"),
      "-R",
      "-X",
      "stream",
      "-c",
      "fast",
      "--no-sync",
    ]);
    const standby = (await serve(bin, user, copy, options)).cluster;
    standbys.push(standby);
    return standby;
  };
  const cluster: PgCluster = {
    url:
      options.tcp === true
        ? `postgresql://postgres@127.0.0.1:${port}/${DATABASE}`
        : `postgresql://postgres@/${DATABASE}?host=${encodeURIComponent(sockets)}&port=${port}`,
    owned: true,
    stop: (mode) => {
      stop(mode);
      running = false;
    },
    start: () => {
      start();
      running = true;
    },
    startStandby,
    destroy,
  };
  return { cluster, sockets, port };
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
