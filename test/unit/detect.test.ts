import { describe, expect, it } from "vitest";
import { detectApps, detectPersistentPaths, detectStaticFolder, pickApp } from "../../src/core/project/detect.js";
import { EXAMPLE_DIR, tempFolders } from "../helpers/project.js";

const folder = tempFolders();

describe("WSGI app detection", () => {
  it("finds a module-level Flask app in main.py", () => {
    const dir = folder({ "main.py": "from flask import Flask\napp = Flask(__name__)\n" });
    expect(pickApp(detectApps(dir))?.target).toBe("main:app");
  });

  it("prefers a wsgi module's application", () => {
    const dir = folder({
      "wsgi.py": "from site import make\napplication = make()\n",
      "site.py": "import flask\nweb = flask.Flask(__name__)\n",
    });
    const d = detectApps(dir);
    expect(d.candidates.map((c) => c.target)).toEqual(["wsgi:application", "site:web"]);
    expect(pickApp(d)?.target).toBe("wsgi:application");
  });

  it("finds a factory in a package, as gunicorn calls it", () => {
    expect(pickApp(detectApps(EXAMPLE_DIR))?.target).toBe("flask_blog:create_app()");
  });

  it("ignores a factory that needs arguments, and code that is not at module level", () => {
    const dir = folder({
      "app.py": "def create_app(config):\n    pass\n\ndef build():\n    app = Flask(__name__)\n",
    });
    const d = detectApps(dir);
    expect(d.candidates).toEqual([]);
    expect(d.searched).toEqual(["app.py"]);
  });

  it("does not pick between two equally good apps", () => {
    const dir = folder({
      "a.py": "from flask import Flask\napp = Flask('a')\n",
      "b.py": "from flask import Flask\napp = Flask('b')\n",
    });
    const d = detectApps(dir);
    expect(d.candidates).toHaveLength(2);
    expect(pickApp(d)).toBeNull();
  });

  it("skips virtualenvs, tests and setup.py", () => {
    const dir = folder({
      "setup.py": "app = Flask(__name__)\n",
      ".venv/lib/x.py": "app = Flask(__name__)\n",
      "tests/__init__.py": "app = Flask(__name__)\n",
      "test_app.py": "app = Flask(__name__)\n",
    });
    expect(detectApps(dir).candidates).toEqual([]);
  });

  it("finds the static folder beside the package and the instance folder the app writes", () => {
    expect(detectStaticFolder(EXAMPLE_DIR, "flask_blog:create_app()")).toBe("flask_blog/static");
    expect(detectPersistentPaths(EXAMPLE_DIR, ["flask_blog/__init__.py"])).toEqual(["instance"]);
    const plain = folder({ "main.py": "app = Flask(__name__)\n" });
    expect(detectStaticFolder(plain, "main:app")).toBeNull();
    expect(detectPersistentPaths(plain, ["main.py"])).toEqual([]);
  });
});
