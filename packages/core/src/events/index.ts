export * from "./alert-handling";
export * from "./catalogue";
export * from "./contact-screen";
export * from "./contract";
export * from "./envelope";
export * from "./governance";
export { phoneLikeId } from "./id-screen";
export * from "./input";
export * from "./primitives";
