import { describe, expect, it } from "vitest";
import type { Detection } from "../../src/core/project/detect.js";
import { explicitAppNote, webAppChoice } from "../../src/core/project/web-app.js";
import { webTarget } from "../../src/core/project/web-command.js";

describe("the app a Procfile web command serves", () => {
  it.each([
    ["gunicorn main:app", "main:app"],
    ["gunicorn -w 4 'pkg:create_app()'", "pkg:create_app()"],
    ["gunicorn --bind 0.0.0.0:$PORT --workers=3 -k gevent --preload wsgi", "wsgi:application"],
    ["gunicorn -b :$PORT -w4 --reload --access-logfile - pkg.wsgi:app", "pkg.wsgi:app"],
    ["newrelic-admin run-program gunicorn 'pkg:create_app(\"prod\")'", 'pkg:create_app("prod")'],
    ["cd src && python -m gunicorn app:app", "app:app"],
    ["waitress-serve --port=$PORT --call pkg:create_app", "pkg:create_app()"],
    ["waitress-serve --listen=*:8080 main:app", "main:app"],
    ["flask --app 'pkg:create_app()' run --host 0.0.0.0", "pkg:create_app()"],
    ["uwsgi --http :$PORT --module main:app", "main:app"],
    ["uwsgi --http :$PORT --wsgi-file pkg/wsgi.py --callable app", "pkg.wsgi:app"],
  ])("%s -> %s", (command, target) => {
    expect(webTarget(command)).toMatchObject({ kind: "target", target });
  });

  it("reads flask run's --app or FLASK_APP as a module when it names no object", () => {
    expect(webTarget("flask --app blog run")).toEqual({ kind: "module", server: "flask", module: "blog" });
    expect(webTarget("FLASK_APP=src/main.py flask run --port $PORT")).toEqual({ kind: "module", server: "flask", module: "main" });
  });

  it("says what the line runs when it names no target", () => {
    expect(webTarget("flask run")).toMatchObject({ kind: "none", why: expect.stringContaining("development server") });
    expect(webTarget("python app.py")).toMatchObject({ kind: "none", why: expect.stringContaining("runs `python`") });
    expect(webTarget("gunicorn -c gunicorn.conf.py")).toMatchObject({ kind: "none", why: expect.stringContaining("config file") });
  });
});

const detected = (...targets: string[]): Detection => ({
  candidates: targets.map((target, i) => ({ target, file: `${target.split(":")[0]}.py`, rank: i === 0 ? 1 : 2, reason: "" })),
  searched: [],
});
const web = (command: string) => ({ name: "web", command, line: 2 });
const exists = () => true;

describe("the Procfile's web line against the detected app", () => {
  it("agrees quietly with the code", () => {
    const c = webAppChoice(web("gunicorn main:app"), detected("main:app"), exists);
    expect(c).toEqual({ app: "main:app", note: "app: main:app (in main.py; the Procfile's web line (line 2) serves the same)" });
  });

  it("uses the Procfile's target over another detected one, and says which wins and why", () => {
    const c = webAppChoice(web("gunicorn wsgi:application"), detected("main:app"), exists);
    expect(c.app).toBe("wsgi:application");
    expect(c.note).toContain("app: wsgi:application, from the Procfile's web line (line 2), not main:app in main.py");
    expect(c.note).toContain("the Procfile wins because you wrote it");
    expect(c.note).toContain("--app main:app");
  });

  it("keeps the detected app when the Procfile's target is not one fdock.yaml takes, or its module is missing", () => {
    const args = webAppChoice(web("gunicorn 'pkg:create_app(\"prod\")'"), detected("pkg:create_app()"), exists);
    expect(args.app).toBeNull();
    expect(args.note).toContain("not MODULE:NAME or MODULE:FACTORY() without arguments");
    const missing = webAppChoice(web("gunicorn other:app"), detected("main:app"), (m) => m !== "other");
    expect(missing).toMatchObject({ app: null, note: expect.stringContaining("no module other") });
  });

  it("finds the app in a module-only target, and falls back when the line names none", () => {
    expect(webAppChoice(web("flask --app pkg run"), detected("main:app", "pkg:create_app()"), exists).app).toBe("pkg:create_app()");
    const none = webAppChoice(web("python app.py"), detected("main:app"), exists);
    expect(none).toMatchObject({ app: null, note: expect.stringContaining("serves the app it finds in the code") });
  });

  it("uses the Procfile's target when the code has none or several", () => {
    expect(webAppChoice(web("gunicorn main:app"), detected(), exists).note).toContain("finds no app object or factory");
    const several = { candidates: [{ target: "a:app", file: "a.py", rank: 1, reason: "" }, { target: "b:app", file: "b.py", rank: 1, reason: "" }], searched: [] };
    expect(webAppChoice(web("gunicorn b:app"), several, exists)).toMatchObject({ app: "b:app", note: expect.stringContaining("of the apps fdock finds (a:app, b:app)") });
  });

  it("lets --app win over the Procfile, saying so", () => {
    expect(explicitAppNote("main:app", web("gunicorn wsgi:app"))).toContain("--app wins because you named it");
    expect(explicitAppNote("main:app", web("gunicorn main:app"))).toBeNull();
  });
});
