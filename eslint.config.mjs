// ESLint flat config: typescript-eslint with type information, plus the import boundaries of the architecture.
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

/** What ships (src/) never imports the local stack: dev/, scripts/ or the emulator packages. */
const localStack = {
  regex: "^((\\.\\./)+(dev|scripts|packages)(/|$)|@azure-choreography/)",
  message: "Production code (src/) never imports the local stack (dev/, packages/) or scripts/.",
};

export default defineConfig(
  { ignores: ["**/dist/**", "node_modules/**", ".tools/**", "infra/**", "coverage/**", "**/*.js", "**/*.mjs"] },
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // A promise nobody awaits loses its error: Event Grid would see success for a failed delivery.
      "@typescript-eslint/no-floating-promises": "error",
      // `import x = require()` is TypeScript's typed CommonJS import; bare require() calls stay flagged.
      "@typescript-eslint/no-require-imports": ["error", { allowAsImport: true }],
      // An async function without await is how a Promise-returning port is implemented; dropping `async` would turn
      // its errors into synchronous throws, which callers that only `.catch` would miss.
      "@typescript-eslint/require-await": "off",
      // Arrays read well in messages ("[a,b]"); objects would print [object Object] and stay flagged.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true, allowNullish: true, allowArray: true }],
      // A switch over a union names every member; `default` with a `never` check is how a switch says so.
      "@typescript-eslint/switch-exhaustiveness-check": "error",
    },
  },
  {
    // Tests may use what production code must not: loose fakes of SDK clients and the local stack.
    files: ["test/**/*.ts", "packages/*/test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/restrict-template-expressions": "off",
      // Fakes reject with the plain objects the SDKs throw (`{ statusCode: 412 }`), on purpose.
      "@typescript-eslint/prefer-promise-reject-errors": "off",
    },
  },
  // Import boundaries. A service is its own Function App: it may import platform, events, topology, flows, define and its own
  // folder, never another service (that would couple two deployments through code instead of events). Relative paths
  // differ with the depth of the file inside its service, hence one block per depth.
  ...[0, 1, 2, 3].map((depth) => ({
    files: [`src/services/*/${"*/".repeat(depth)}*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: `^(\\.\\./){${depth + 1}}(?!\\.\\./)`,
              message: "A service imports no other service: publish or consume an event instead.",
            },
            {
              regex: `^(\\.\\./){${depth + 2}}(?!(platform|events|topology|flows|define)(/|$))`,
              message: "A service imports only platform, events, topology, flows, define and its own folder.",
            },
            { regex: "^@azure-choreography/", message: localStack.message },
          ],
        },
      ],
    },
  })),
  {
    files: ["src/platform/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(\\.\\./)+services(/|$)", message: "platform serves every service and imports none." }, localStack] },
      ],
    },
  },
  {
    files: ["src/*.ts", "src/events/**/*.ts", "src/governance/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [localStack] }] },
  },
  {
    // A package is product-independent: it imports its own files and other packages by name, never a path outside.
    files: ["packages/*/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^(\\.\\./){2,}", message: "A package imports nothing outside itself (the app's src/, dev/, scripts/); depend on another package by name." }] },
      ],
    },
  },
);
