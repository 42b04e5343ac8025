// The /wasm page: the chat run by the Rust client compiled to wasm.
import init from "/wasm/phoenix_wasm_chat.js";
init().catch((error) => {
  const state = document.getElementById("state");
  state.dataset.state = "closed";
  state.textContent = "the wasm client is not built: run bash .ci/test-all.sh";
  console.error(error);
});
