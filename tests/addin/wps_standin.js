// A recording stand-in for WPS 表格, to run the add-in's real buttons.js + main.js in Node.
//
// There is no WPS here: this file plays the objects main.js uses — `wps` (Env,
// FileSystem, OAAssist.ShellExecute, EtApplication), `Application` (ActiveWorkbook,
// Workbooks with Names/Save/Close/Activate/Worksheets.PrintOut), `alert`, `navigator`,
// `document.location` — and records every call. tests/addin/test_wps_main.py writes a
// scenario as JSON, runs `node wps_standin.js scenario.json` and reads the record that
// this script prints to stdout as JSON when Node exits.
//
// Scenario keys:
//   addin            folder holding the built buttons.js and main.js (loaded in that order)
//   location         document.location.href of index.html
//   userAgent, platform   navigator's
//   temp, home, appData   what wps.Env returns
//   workbooks        open workbooks: [{fullName, names: [defined names]}]; the first is active
//   noWorkbook       true: Application.ActiveWorkbook is null
//   files            null: wps.FileSystem is this machine's file system; else a virtual one,
//                    {path: content} (a Windows scenario on this Linux machine)
//   run              what ShellExecute does with the launcher: "record" (nothing),
//                    "shell" (runs it for real, as `/bin/sh -c 'exec "$0" PARAMS' FILE`),
//                    or {button: {result, log, exit_code}}: writes RESULT, RESULT.log and
//                    RESULT.done at once, as the launcher would
//   presses          button ids, pressed one after another (the next after the alert of the last)
//   now              Date.now() inside main.js
//   timeoutMinutes   overrides KAOHE.timeoutMinutes
//   openFails        paths whose Workbooks.Open throws
//   callbacks        global names whose typeof is reported
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");
const childProcess = require("child_process");

const scenario = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const record = { calls: [], callbacks: {}, errors: [] };
const log = (entry) => record.calls.push(entry);

// ---- files ---------------------------------------------------------------------------------
const virtual = scenario.files ? new Map(Object.entries(scenario.files)) : null;
const files = {
  exists: (p) => (virtual ? virtual.has(p) : fs.existsSync(p)),
  read: (p) => (virtual ? virtual.get(p) : fs.readFileSync(p, "utf8")),
  write: (p, text) => (virtual ? virtual.set(p, text) : fs.writeFileSync(p, text)),
  remove: (p) => (virtual ? virtual.delete(p) : fs.unlinkSync(p)),
};

// ---- workbooks -----------------------------------------------------------------------------
const books = [];
function makeBook(fullName, names) {
  const book = {
    FullName: fullName,
    Names: {
      Item(name) {
        if (!names.includes(name)) throw new Error(`no defined name ${name}`);
        return {
          RefersToRange: {
            set Value2(value) {
              log({ call: "Value2", book: fullName, name, value });
            },
          },
        };
      },
    },
    Save() {
      log({ call: "Save", book: fullName });
    },
    Close(saveChanges) {
      log({ call: "Close", book: fullName, saveChanges });
      books.splice(books.indexOf(book), 1);
    },
    Activate() {
      log({ call: "Activate", book: fullName });
    },
    Worksheets: {
      Item(sheet) {
        return {
          PrintOut() {
            log({ call: "PrintOut", book: fullName, sheet });
          },
        };
      },
    },
  };
  return book;
}
for (const w of scenario.workbooks || []) books.push(makeBook(w.fullName, w.names || []));
const active = scenario.noWorkbook ? null : books[0] || null;

const Application = {
  get ActiveWorkbook() {
    return active;
  },
  Workbooks: {
    get Count() {
      return books.length;
    },
    Item(i) {
      return books[i - 1];
    },
    Open(p) {
      log({ call: "Open", path: p });
      if ((scenario.openFails || []).includes(p)) throw new Error("WPS cannot open it");
      books.push(makeBook(p, []));
    },
  },
};

// ---- ShellExecute --------------------------------------------------------------------------
function quotedArgs(params, windows) {
  const args = [];
  for (const m of params.matchAll(/"([^"]*)"/g)) args.push(windows ? m[1].replace(/(\\+)\1$/, "$1") : m[1]);
  return args;
}

function shellExecute(file, params) {
  log({ call: "ShellExecute", file, params });
  if (!/kaohe_run\.(sh|cmd)$/.test(file)) return; // a folder to show
  const run = scenario.run || "record";
  if (run === "shell") {
    const child = childProcess.spawn("/bin/sh", ["-c", `exec "$0" ${params}`, file], { stdio: "ignore" });
    child.on("exit", (code) => log({ call: "launcher exit", code }));
  } else if (typeof run === "object") {
    const args = quotedArgs(params, /\.cmd$/.test(file));
    const answer = run[args[0]];
    if (!answer) return;
    if (answer.log !== undefined) files.write(`${args[2]}.log`, answer.log);
    if (answer.result !== undefined) files.write(args[2], JSON.stringify(answer.result));
    files.write(`${args[2]}.done`, JSON.stringify({ exit_code: answer.exit_code || 0 }));
  }
}

const wps = {
  EtApplication: () => Application,
  Env: {
    GetTempPath: () => scenario.temp,
    GetHomePath: () => scenario.home,
    GetAppDataPath: () => scenario.appData,
  },
  FileSystem: {
    Exists(p) {
      return files.exists(p);
    },
    ReadFile(p) {
      log({ call: "ReadFile", path: p });
      return files.read(p);
    },
    Remove(p) {
      log({ call: "Remove", path: p });
      files.remove(p);
    },
  },
  OAAssist: { ShellExecute: shellExecute },
};

// ---- the page ------------------------------------------------------------------------------
const presses = (scenario.presses || []).slice();
function pressNext() {
  const id = presses.shift();
  if (id === undefined) return;
  log({ call: "press", id });
  try {
    context.OnAction({ Id: id });
  } catch (error) {
    record.errors.push(String(error && error.stack ? error.stack : error));
  }
}

const sandbox = {
  wps,
  Application,
  navigator: { userAgent: scenario.userAgent || "", platform: scenario.platform || "" },
  document: { location: { href: scenario.location || "" } },
  alert(text) {
    log({ call: "alert", text: String(text) });
    setImmediate(pressNext);
  },
  setTimeout,
  clearTimeout,
  console,
};
const context = vm.createContext(sandbox);
sandbox.window = vm.runInContext("this", context);
vm.runInContext(`Date.now = function () { return ${Number(scenario.now || 0)}; };`, context);
for (const name of ["buttons.js", "main.js"]) {
  const file = path.join(scenario.addin, name);
  vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
}
if (scenario.timeoutMinutes !== undefined) {
  vm.runInContext(`KAOHE.timeoutMinutes = ${Number(scenario.timeoutMinutes)};`, context);
}
for (const name of scenario.callbacks || []) {
  record.callbacks[name] = vm.runInContext(`typeof ${name}`, context);
}
if (scenario.onLoad) {
  record.onLoad = context.OnAddinLoad({ stand_in: "ribbonUI" });
}

process.on("uncaughtException", (error) => {
  record.errors.push(String(error && error.stack ? error.stack : error));
});
process.on("exit", () => {
  fs.writeSync(1, JSON.stringify(record));
});
pressNext();
