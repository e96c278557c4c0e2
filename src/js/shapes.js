// The objects the JS side reads, each made in one call with all its fields in the object
// itself: built field by field from wasm (Reflect.set), an object of more than four fields
// spills them into a second allocation, and every field is a boundary crossing.

/** The public Token, frozen. */
export function tokenObject(accessToken, tokenType, expiresAt, userTenant, hostTenant, scope) {
  return Object.freeze({ accessToken, tokenType, expiresAt, userTenant, hostTenant, scope });
}

/** An entry of the hit table (manager.js): `promise` is made by the first hit. */
export function tableEntry(token, storedAt, refreshAt) {
  return { token, storedAt, refreshAt, promise: undefined };
}
