import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  test: {
    include: ["packages/*/src/**/*.spec.ts", "seeds/src/**/*.spec.ts", "benchmarks/src/**/*.spec.ts"],
    env: { TZ: "UTC" },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
