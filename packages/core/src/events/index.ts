export * from "./catalogue";
export * from "./contact-screen";
export * from "./envelope";
export { phoneLikeId } from "./id-screen";
export * from "./input";
export * from "./primitives";
