/** @type {import('jest').Config} */
module.exports = {
  displayName: "server-kit",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json" }] },
  testMatch: ["**/*.test.ts"],
  testTimeout: 60000,
};
