export * from "./catalogue";
export * from "./contact-screen";
export * from "./envelope";
export * from "./input";
export * from "./primitives";
