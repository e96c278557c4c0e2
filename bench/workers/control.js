// The control worker of bench/workerd.mjs: a constant Response, nothing else. Its CPU per request
// is workerd's own cost of serving one (HTTP parsing, the isolate entered, the response written):
// the floor every other row of that benchmark stands on.
export default {
  fetch() {
    return new Response("ok");
  },
};
