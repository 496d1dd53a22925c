// The part of madge's API (https://github.com/pahen/madge#api) that scripts/check-cycles.ts uses; madge ships no types.
declare module "madge" {
  interface MadgeConfig {
    readonly fileExtensions?: readonly string[];
    readonly tsConfig?: string;
    readonly excludeRegExp?: readonly RegExp[];
    readonly detectiveOptions?: Record<string, Record<string, unknown>>;
  }
  interface MadgeResult {
    circular(): string[][];
    obj(): Record<string, string[]>;
  }
  function madge(paths: string | readonly string[], config?: MadgeConfig): Promise<MadgeResult>;
  export = madge;
}
