export * from "./catalogue";
export * from "./envelope";
export * from "./input";
export * from "./primitives";
