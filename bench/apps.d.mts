export declare const APPS: { evaluate: string; sample: string };
export declare function writeApps(dir: string): void;
