import { defineConfig } from "vitest/config";

/**
 * Test suites, by what they need:
 *   unit      renderers, detection, the store: no engine
 *   engine    a real Docker engine, compose, nginx and gunicorn
 *   machines  a real SSH host (a privileged container) with Docker installed over SSH
 *   aws       a real AWS API emulator (moto) and aws-sdk-client-mock for faults it cannot make
 * Integration files share one engine and two cores, so files run one at a time.
 */
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 600_000,
    reporters: ["default"],
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      { extends: true, test: { name: "engine", include: ["test/engine/**/*.test.ts"] } },
      { extends: true, test: { name: "machines", include: ["test/machines/**/*.test.ts"] } },
      { extends: true, test: { name: "aws", include: ["test/aws/**/*.test.ts"] } },
    ],
  },
});
