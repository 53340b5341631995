/*
 * The 考核 tab of WPS 表格: a WPS JS add-in (加载项) of kaohe-xl.
 *
 * ribbon.xml wires every button to OnAction(control). buttons.js, written by
 * `kaohe addin build --wps` from the same button table as the Excel ribbon
 * (kaohe_xl.addin.BUTTONS), holds the buttons and every message the user reads; this
 * file is the same for every build. ES5 only: older WPS builds embed an old Chromium.
 *
 * A press:
 *  1. the campaign: the nearest folder up from the active workbook that holds
 *     campaign.yaml (the workbook is 控制台.xlsx or any workbook inside the campaign);
 *  2. the buttons that rewrite the 汇总表 first close it if WPS has it open (Windows
 *     refuses to replace an open file), as the Excel add-in does;
 *  3. the add-in's launcher kaohe_run.cmd (Windows) / kaohe_run.sh (Linux) in this
 *     folder is started with  BUTTON CAMPAIGN RESULT ; it runs
 *     `kaohe addin run BUTTON CAMPAIGN --result RESULT`;
 *  4. the launcher's last act is RESULT.done (its exit code); once it is there, RESULT
 *     (ASCII JSON in the temporary folder, written by Python) is carried out: the
 *     status goes into the open 控制台.xlsx, the 汇总表 or a folder is opened, a sheet
 *     printed, and a message box tells the status line.
 */

var KAOHE_POLL_MS = 500;
/** @type {any} */
var kaoheRibbon = null;

/**
 * Called by WPS when it loads ribbon.xml (customUI onLoad).
 * @param {any} ribbonUI
 * @returns {boolean}
 */
function OnAddinLoad(ribbonUI) {
    kaoheRibbon = ribbonUI;
    return true;
}

/**
 * Every button of the 考核 tab (onAction in ribbon.xml).
 * @param {{Id: string}} control
 * @returns {boolean}
 */
function OnAction(control) {
    var button = kaoheButton(control.Id);
    if (!button) {
        kaoheAlert(KAOHE.title, kaoheFill(KAOHE.messages.unknownButton, { id: control.Id }));
        return true;
    }
    var book = kaoheApp().ActiveWorkbook;
    var fullName = book ? String(book.FullName) : "";
    var campaign = fullName ? kaoheFindCampaign(fullName) : null;
    if (!campaign) {
        var name = kaoheBaseName(fullName);
        kaoheAlert(button.label, fullName ? kaoheFill(KAOHE.messages.notInCampaign, { name: name }) : KAOHE.messages.noWorkbook);
        return true;
    }
    var windows = kaoheIsWindows();
    var result = kaoheJoin(wps.Env.GetTempPath(), "kaohe_wps_" + button.id + "_" + Date.now() + ".json");
    var checked = [campaign, result];
    for (var c = 0; c < checked.length && !windows; c++) {
        var unsafe = kaoheUnsafe(checked[c]);
        if (unsafe) {
            kaoheAlert(button.label, kaoheFill(KAOHE.messages.unsafePath, { path: checked[c], chars: unsafe }));
            return true;
        }
    }
    var launcher = kaoheJoin(kaoheAddinFolder(), KAOHE.runner + (windows ? ".cmd" : ".sh"));
    if (!wps.FileSystem.Exists(launcher)) {
        kaoheAlert(button.label, kaoheFill(KAOHE.messages.noLauncher, { path: launcher }));
        return true;
    }
    if (kaoheContains(KAOHE.closesSummary, button.id)) {
        kaoheCloseWorkbook(kaoheJoin(kaoheJoin(campaign, KAOHE.output), KAOHE.summary), fullName);
    }
    kaoheRemove(result);
    kaoheRemove(result + ".log");
    var args = [button.id, campaign, result];
    var params = [];
    for (var i = 0; i < args.length; i++) {
        params.push(kaoheQuote(args[i], windows));
    }
    wps.OAAssist.ShellExecute(launcher, params.join(" "));
    kaoheWait({ button: button, campaign: campaign, result: result, ticks: 0 });
    return true;
}

// ---- the result ------------------------------------------------------------------------
/**
 * @typedef {{button: {id: string, label: string}, campaign: string, result: string, ticks: number}} KaoheJob
 */

/** @param {KaoheJob} job */
function kaoheWait(job) {
    setTimeout(function () {
        kaohePoll(job);
    }, KAOHE_POLL_MS);
}

/** @param {KaoheJob} job */
function kaohePoll(job) {
    job.ticks += 1;
    var done = kaoheReadJson(job.result + KAOHE.doneSuffix);
    if (done) {
        kaoheFinish(job, done);
    } else if (job.ticks * KAOHE_POLL_MS >= KAOHE.timeoutMinutes * 60000) {
        kaoheAlert(job.button.label, kaoheFill(KAOHE.messages.timeout, { minutes: String(KAOHE.timeoutMinutes), path: job.result }));
    } else {
        kaoheWait(job);
    }
}

/**
 * A JSON file's content, or null while it is not (completely) there.
 * @param {string} path
 * @returns {any}
 */
function kaoheReadJson(path) {
    if (!wps.FileSystem.Exists(path)) {
        return null;
    }
    try {
        return JSON.parse(String(wps.FileSystem.ReadFile(path)));
    } catch (e) {
        return null;
    }
}

/**
 * The launcher has ended (`done` holds its exit code): carry out what
 * `kaohe addin run --result` asked for, then show its status.
 * @param {KaoheJob} job
 * @param {{exit_code: number}} done
 */
function kaoheFinish(job, done) {
    var data = kaoheReadJson(job.result);
    var log = job.result + ".log";
    var logText = wps.FileSystem.Exists(log) ? String(wps.FileSystem.ReadFile(log)) : "";
    kaoheRemove(job.result);
    kaoheRemove(job.result + KAOHE.doneSuffix);
    kaoheRemove(log);
    if (!data || typeof data.status !== "string") {
        // Python never got to write a result: not found, or kaohe-xl not installed in it
        var code = done.exit_code;
        var message = code === 127 ? KAOHE.messages.noPython : kaoheFill(KAOHE.messages.failed, { code: String(code) });
        kaoheAlert(job.button.label, message + (logText ? "\n\n" + kaoheLastLines(logText, 8) : ""));
        return;
    }
    /** @type {string[]} */
    var problems = [];
    if (data.control && data.values) {
        kaoheTry(problems, data.control, function () {
            kaoheWriteStatus(data.control, data.values);
        });
    }
    for (var i = 0; i < data.open.length; i++) {
        kaoheTry(problems, data.open[i], kaoheShowPath(data.open[i]));
    }
    for (var j = 0; j < data.print.length; j++) {
        kaoheTry(problems, data.print[j].workbook, kaohePrintSheet(data.print[j].workbook, data.print[j].sheet));
    }
    var text = data.status + (data.detail ? "\n\n" + kaoheFirstLines(data.detail, 12) : "");
    kaoheAlert(job.button.label, text + (problems.length ? "\n\n" + problems.join("\n") : ""));
}

/**
 * Run `action`; a WPS error becomes a line of the message box, not a stop.
 * @param {string[]} problems
 * @param {string} path
 * @param {function(): void} action
 */
function kaoheTry(problems, path, action) {
    try {
        action();
    } catch (e) {
        var error = /** @type {any} */ (e);
        problems.push(kaoheFill(KAOHE.messages.wpsFailed, { path: path, error: String(error && error.message ? error.message : error) }));
    }
}

/**
 * The status cells of 控制台.xlsx, when WPS has it open (else Python wrote the file).
 * @param {string} path
 * @param {Object<string, any>} values
 */
function kaoheWriteStatus(path, values) {
    var book = kaoheOpenWorkbook(path);
    if (!book) {
        return;
    }
    for (var name in values) {
        if (Object.prototype.hasOwnProperty.call(values, name)) {
            try {
                var defined = /** @type {Et.EtName} */ (/** @type {unknown} */ (book.Names.Item(name)));
                defined.RefersToRange.Value2 = values[name];
            } catch (e) {
                // a name the user deleted from the control workbook: the others still count
            }
        }
    }
    book.Save();
}

/**
 * A workbook opens in this WPS, anything else (a folder) in the file manager.
 * @param {string} path
 * @returns {function(): void}
 */
function kaoheShowPath(path) {
    return function () {
        if (/\.xls[xm]?$/i.test(path)) {
            kaoheActivate(path);
        } else {
            wps.OAAssist.ShellExecute(path, "");
        }
    };
}

/**
 * @param {string} workbook
 * @param {string} sheet
 * @returns {function(): void}
 */
function kaohePrintSheet(workbook, sheet) {
    return function () {
        var sheets = kaoheActivate(workbook).Worksheets;
        /** @type {Et.EtWorksheet} */ (/** @type {unknown} */ (sheets.Item(sheet))).PrintOut();
    };
}

// ---- WPS workbooks ---------------------------------------------------------------------
/** @returns {Et.EtApplication} */
function kaoheApp() {
    if (typeof window !== "undefined" && window.Application) {
        return window.Application;
    }
    return wps.EtApplication();
}

// The wps-jsapi typings declare the Item methods (Workbooks, Names, Worksheets) as
// returning nothing: their results are cast to the interfaces the typings declare.

/**
 * The open workbook at `path`, or null.
 * @param {string} path
 * @returns {Et.EtWorkbook | null}
 */
function kaoheOpenWorkbook(path) {
    var books = kaoheApp().Workbooks;
    for (var i = 1; i <= books.Count; i++) {
        var book = /** @type {Et.EtWorkbook} */ (/** @type {unknown} */ (books.Item(i)));
        if (kaoheSamePath(String(book.FullName), path)) {
            return book;
        }
    }
    return null;
}

/**
 * Open `path` in WPS (or bring it to the front when it is open already).
 * @param {string} path
 * @returns {Et.EtWorkbook}
 */
function kaoheActivate(path) {
    var book = kaoheOpenWorkbook(path);
    if (!book) {
        kaoheApp().Workbooks.Open(path);
        // found by its name; else the one just opened, which WPS makes active
        book = kaoheOpenWorkbook(path) || kaoheApp().ActiveWorkbook;
    }
    book.Activate();
    return book;
}

/**
 * Close `path` without saving (a generated output), unless it is the calling workbook.
 * @param {string} path
 * @param {string} caller
 */
function kaoheCloseWorkbook(path, caller) {
    var book = kaoheOpenWorkbook(path);
    if (book && !kaoheSamePath(path, caller)) {
        book.Close(false);
    }
}

// ---- paths -----------------------------------------------------------------------------
/**
 * The campaign folder of a workbook: its folder or the nearest parent with campaign.yaml.
 * @param {string} fullName
 * @returns {string | null}
 */
function kaoheFindCampaign(fullName) {
    if (/^[A-Za-z][A-Za-z0-9+.\-]+:\/\//.test(fullName)) {
        return null; // a web copy (https://...): no folder to run in
    }
    var folder = kaoheParent(fullName);
    while (folder) {
        if (wps.FileSystem.Exists(kaoheJoin(folder, KAOHE.config))) {
            return folder;
        }
        folder = kaoheParent(folder);
    }
    return null;
}

/**
 * This add-in's folder: where index.html was loaded from, else where install puts it.
 * @returns {string}
 */
function kaoheAddinFolder() {
    var href = typeof document !== "undefined" && document.location ? String(document.location.href) : "";
    var match = /^file:\/\/(\/[^?#]*)/i.exec(href);
    if (match) {
        var path = decodeURIComponent(match[1]);
        path = path.substring(0, path.lastIndexOf("/"));
        if (/^\/[A-Za-z]:/.test(path)) {
            path = path.substring(1).replace(/\//g, "\\");
        }
        return path;
    }
    if (kaoheIsWindows()) {
        return kaoheJoin(wps.Env.GetAppDataPath(), "kingsoft\\wps\\jsaddons\\" + KAOHE.folder);
    }
    return kaoheJoin(wps.Env.GetHomePath(), ".local/share/Kingsoft/wps/jsaddons/" + KAOHE.folder);
}

/** @returns {boolean} */
function kaoheIsWindows() {
    return typeof navigator !== "undefined" && /Windows|Win32|Win64/.test(navigator.userAgent + " " + navigator.platform);
}

/**
 * @param {string} path
 * @returns {boolean}
 */
function kaoheWindowsPath(path) {
    return /^[A-Za-z]:|^\\\\/.test(path) || (path.indexOf("\\") >= 0 && path.indexOf("/") < 0);
}

/**
 * @param {string} folder
 * @param {string} name
 * @returns {string}
 */
function kaoheJoin(folder, name) {
    var sep = kaoheWindowsPath(folder) ? "\\" : "/";
    var trimmed = folder.replace(/[\\\/]+$/, "");
    return trimmed + sep + name;
}

/**
 * The folder holding `path`; null at the root.
 * @param {string} path
 * @returns {string | null}
 */
function kaoheParent(path) {
    var windows = kaoheWindowsPath(path);
    var trimmed = path.replace(windows ? /[\\\/]+$/ : /\/+$/, "");
    var cut = windows ? Math.max(trimmed.lastIndexOf("\\"), trimmed.lastIndexOf("/")) : trimmed.lastIndexOf("/");
    if (cut < 0) {
        return null;
    }
    var parent = trimmed.substring(0, cut);
    if (windows && /^[A-Za-z]:$/.test(parent)) {
        return parent + "\\";
    }
    if (!windows && parent === "") {
        return "/";
    }
    return parent;
}

/**
 * @param {string} path
 * @returns {string}
 */
function kaoheBaseName(path) {
    return path.substring(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/**
 * @param {string} a
 * @param {string} b
 * @returns {boolean}
 */
function kaoheSamePath(a, b) {
    if (kaoheWindowsPath(a) || kaoheWindowsPath(b)) {
        return a.replace(/\//g, "\\").toLowerCase() === b.replace(/\//g, "\\").toLowerCase();
    }
    return a === b;
}

/**
 * One argument of the launcher's command line, in double quotes. On Windows
 * (CommandLineToArgvW) backslashes before the closing quote are doubled; on Linux
 * the characters that stay special inside double quotes are refused by kaoheUnsafe.
 * @param {string} text
 * @param {boolean} windows
 * @returns {string}
 */
function kaoheQuote(text, windows) {
    return '"' + (windows ? text.replace(/(\\+)$/, "$1$1") : text) + '"';
}

/**
 * The characters of `text` that a shell would still read inside double quotes.
 * @param {string} text
 * @returns {string}
 */
function kaoheUnsafe(text) {
    var found = "";
    var special = "\"$`\\\n";
    for (var i = 0; i < special.length; i++) {
        if (text.indexOf(special.charAt(i)) >= 0) {
            found += special.charAt(i) === "\n" ? "\u21b5" : special.charAt(i);
        }
    }
    return found;
}

/** @param {string} path */
function kaoheRemove(path) {
    try {
        if (wps.FileSystem.Exists(path)) {
            wps.FileSystem.Remove(path);
        }
    } catch (e) {
        // a leftover in the temporary folder is harmless
    }
}

// ---- text ------------------------------------------------------------------------------
/**
 * @param {string} id
 * @returns {{id: string, label: string} | null}
 */
function kaoheButton(id) {
    for (var i = 0; i < KAOHE.buttons.length; i++) {
        if (KAOHE.buttons[i].id === id) {
            return KAOHE.buttons[i];
        }
    }
    return null;
}

/**
 * @param {string[]} list
 * @param {string} item
 * @returns {boolean}
 */
function kaoheContains(list, item) {
    for (var i = 0; i < list.length; i++) {
        if (list[i] === item) {
            return true;
        }
    }
    return false;
}

/**
 * `template` with every {key} replaced by values[key].
 * @param {string} template
 * @param {Object<string, string>} values
 * @returns {string}
 */
function kaoheFill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
        return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
}

/**
 * @param {string} text
 * @param {number} count
 * @returns {string}
 */
function kaoheFirstLines(text, count) {
    var lines = text.split("\n");
    return lines.length <= count ? text : lines.slice(0, count).join("\n") + "\n" + KAOHE.messages.more;
}

/**
 * @param {string} text
 * @param {number} count
 * @returns {string}
 */
function kaoheLastLines(text, count) {
    var lines = text.replace(/\s+$/, "").split(/\r?\n/);
    return lines.slice(Math.max(0, lines.length - count)).join("\n");
}

/**
 * A message box headed by the tab and the button.
 * @param {string} label
 * @param {string} text
 */
function kaoheAlert(label, text) {
    alert(KAOHE.title + (label === KAOHE.title ? "" : " \u00b7 " + label) + "\n\n" + text);
}
