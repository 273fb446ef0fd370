export declare const PACKAGE_ROOT: string
export declare const TS_LOADER: string
export declare function tsNodeEnv(root?: string): { TS_NODE_PROJECT: string; TS_NODE_SKIP_IGNORE: string }
export declare function packageVersion(root?: string): string
export declare function isCheckout(root?: string): boolean
export declare function cacheDirectory(env?: NodeJS.ProcessEnv, root?: string): string
export declare function refboxImageDirectory(env?: NodeJS.ProcessEnv, root?: string): string
