// A new application made by `phx new` in a temporary folder, served by
// `phx server` (which builds it, restarts it on changes and live-reloads
// its pages). The app builds in the repository's target folder, so the
// framework is not compiled again.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./server.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const targetDir = process.env.CARGO_TARGET_DIR || path.join(root, "target");
const phxBinary = process.env.PHOENIX_PHX_BIN || path.join(targetDir, "debug", "phx");

function env(extra = {}) {
  const vars = { ...process.env, CARGO_TARGET_DIR: targetDir, ...extra };
  delete vars.PHX_ENV;
  delete vars.PHX_ROOT;
  return vars;
}

// Runs phx to its end; throws with its output when it fails.
export function phx(cwd, args) {
  const result = spawnSync(phxBinary, args, { cwd, env: env(), encoding: "utf8", timeout: 600_000 });
  if (result.status !== 0) {
    throw new Error(`phx ${args.join(" ")} failed (${result.status}):\n${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}

export class GeneratedApp {
  constructor(name) {
    this.base = mkdtempSync(path.join(tmpdir(), "phx-e2e-"));
    this.name = name;
    this.dir = path.join(this.base, name);
    this.child = null;
    this.log = "";
  }

  static create(name, ...generators) {
    const app = new GeneratedApp(name);
    phx(app.base, ["new", name]);
    for (const args of generators) phx(app.dir, args);
    return app;
  }

  file(relative) {
    return path.join(this.dir, relative);
  }

  read(relative) {
    return readFileSync(this.file(relative), "utf8");
  }

  write(relative, text) {
    writeFileSync(this.file(relative), text);
  }

  // Replaces text in a file, failing if it is not there.
  replace(relative, from, to) {
    const text = this.read(relative);
    if (!text.includes(from)) throw new Error(`${relative} has no ${JSON.stringify(from)}`);
    this.write(relative, text.replace(from, to));
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  // Starts `phx server` and waits until the app answers (the first build
  // may take minutes on a cold cache).
  async serve({ timeout = 900_000 } = {}) {
    this.port = await freePort();
    this.child = spawn(phxBinary, ["server"], {
      cwd: this.dir,
      env: env({ PORT: String(this.port) }),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream.setEncoding("utf8");
      stream.on("data", (chunk) => {
        this.log += chunk;
      });
    }
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`phx server exited:\n${this.log}`);
      try {
        const response = await fetch(this.url + "/", { signal: AbortSignal.timeout(5_000) });
        if (response.ok) return;
      } catch {
        // Not up yet: the request waits in the socket's queue or times out.
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`the app did not answer within ${timeout} ms:\n${this.log}`);
  }

  async stop() {
    const child = this.child;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 20_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.base, { recursive: true, force: true });
  }
}
