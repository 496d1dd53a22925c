/** @type {import('jest').Config} */
module.exports = {
  // The app's tests, then each local-stack package's own (packages/*/jest.config.js), in one run.
  projects: [
    {
      displayName: "app",
      testEnvironment: "node",
      roots: ["<rootDir>/test"],
      transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
      testMatch: ["**/*.test.ts"],
      // The path aliases of tsconfig.json: tests import "#src/…", "#dev/…", "#scripts/…".
      moduleNameMapper: { "^#(src|dev|scripts)/(.*)$": "<rootDir>/$1/$2" },
    },
    "<rootDir>/packages/*",
  ],
  testTimeout: 60000,
};
