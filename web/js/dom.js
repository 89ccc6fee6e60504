// Shared page state and the element lookup every panel uses.

export const $ = (id) => document.getElementById(id);

// Who is logged in, what the server said last, and the settlement on show.
export const state = { me: null, settlements: [], centres: [], needs: [], eventKinds: [], schema: null, current: null };
