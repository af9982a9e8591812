/* The capacity self-assessment page: score, chart, save and load, all inside the page.
 *
 * Nothing is sent anywhere: answers are saved to a file on the reader's computer (a download
 * made from the page itself) and loaded back from one. The scoring rules are those of
 * grader/capacity/scoring.py: an area's level is the mean of its answered statements (0-3),
 * its gap is the target minus that level, and unanswered statements are left out.
 */
function capacityWhenReady(start) {
  "use strict";
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}

capacityWhenReady(function () {
  "use strict";

  var root = document.getElementById("capacity-assessment");
  var dataBlock = document.getElementById("capacity-data");
  if (!root || !dataBlock) {
    return;
  }
  var DATA = JSON.parse(dataBlock.textContent);
  var form = document.getElementById("capacity-form");
  var statusLine = document.getElementById("cap-status");
  var results = document.getElementById("cap-results");
  var resultsBody = document.getElementById("cap-results-body");
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    if (text !== undefined && text !== null) {
      node.textContent = String(text);
    }
    return node;
  }

  /* The page's words come with the data, in the page's language: {name} is filled in. */
  function T(key, values) {
    return String(DATA.text[key]).replace(/\{([a-z_]+)\}/g, function (whole, name) {
      return values && values[name] !== undefined ? String(values[name]) : whole;
    });
  }

  function say(message) {
    statusLine.textContent = message;
  }

  function major(version) {
    return String(version || "").split(".")[0];
  }

  /* --- Reading and filling the form ---------------------------------------------------- */

  function answers() {
    var found = {};
    DATA.statements.forEach(function (s) {
      var checked = form.querySelector('input[name="' + s.id + '"]:checked');
      found[s.id] = checked && checked.value !== "" ? Number(checked.value) : null;
    });
    return found;
  }

  function response() {
    return {
      instrument: DATA.instrument,
      instrument_version: DATA.version,
      saved: new Date().toISOString(),
      respondent: {
        kind: document.getElementById("cap-kind").value,
        label: document.getElementById("cap-label").value.trim(),
        country: document.getElementById("cap-country").value
      },
      round: document.getElementById("cap-round").value,
      answers: answers()
    };
  }

  function fill(saved) {
    var respondent = saved.respondent || {};
    ["kind", "country"].forEach(function (key) {
      if (respondent[key]) {
        document.getElementById("cap-" + key).value = respondent[key];
      }
    });
    document.getElementById("cap-label").value = respondent.label || "";
    if (saved.round) {
      document.getElementById("cap-round").value = saved.round;
    }
    DATA.statements.forEach(function (s) {
      var value = saved.answers ? saved.answers[s.id] : null;
      var id = s.id + "-" + (value === null || value === undefined ? "skip" : value);
      var input = document.getElementById(id);
      form.querySelectorAll('input[name="' + s.id + '"]').forEach(function (i) {
        i.checked = false;
      });
      if (input) {
        input.checked = true;
      }
    });
  }

  /* Problems with a saved file, in plain words (empty when it can be used). */
  function problemsOf(saved) {
    if (!saved || typeof saved !== "object" || Array.isArray(saved)) {
      return T("not_a_file");
    }
    if (saved.instrument !== DATA.instrument) {
      return T("other_tool");
    }
    if (major(saved.instrument_version) !== major(DATA.version)) {
      return T("other_version", { version: saved.instrument_version });
    }
    var known = {};
    DATA.statements.forEach(function (s) {
      known[s.id] = true;
    });
    var bad = Object.keys(saved.answers || {}).filter(function (id) {
      var v = saved.answers[id];
      return !known[id] || !(v === null || (Number.isInteger(v) && v >= 0 && v <= 3));
    });
    if (bad.length) {
      return T("unknown_answers", { ids: bad.slice(0, 3).join(", ") });
    }
    return "";
  }

  /* --- Scoring ----------------------------------------------------------------------------- */

  function levels(given, kind) {
    var sums = {};
    var areas = kind === "step" ? DATA.steps : DATA.roles;
    areas.forEach(function (a) {
      sums[a.id] = [];
    });
    DATA.statements.forEach(function (s) {
      var v = given[s.id];
      if (v !== null && v !== undefined) {
        sums[s[kind]].push(v);
      }
    });
    var out = {};
    areas.forEach(function (a) {
      var values = sums[a.id];
      out[a.id] = values.length
        ? values.reduce(function (x, y) {
            return x + y;
          }, 0) / values.length
        : null;
    });
    return out;
  }

  function largestGaps(areaLevels, kind, n) {
    var areas = kind === "step" ? DATA.steps : DATA.roles;
    var found = [];
    areas.forEach(function (a, index) {
      var level = areaLevels[a.id];
      if (level !== null && DATA.target - level > 0) {
        found.push({ area: a, gap: DATA.target - level, index: index });
      }
    });
    found.sort(function (x, y) {
      var d = Math.round((y.gap - x.gap) * 1e9);
      return d !== 0 ? d : x.index - y.index;
    });
    return found.slice(0, n);
  }

  /* --- Results ----------------------------------------------------------------------------- */

  function areaTitle(area, kind) {
    return kind === "step" ? area.number + ". " + area.title : area.title;
  }

  function chart(areaLevels, kind, caption) {
    var areas = kind === "step" ? DATA.steps : DATA.roles;
    var row = 26;
    var height = areas.length * row + 30;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 640 " + height);
    svg.setAttribute("class", "capacity-chart");
    svg.setAttribute("role", "img");
    var described = areas
      .map(function (a) {
        var v = areaLevels[a.id];
        return areaTitle(a, kind) + ": " + (v === null ? T("not_answered") : v.toFixed(1));
      })
      .join("; ");
    svg.setAttribute("aria-label", caption + ". " + described);
    function add(tag, attrs, text) {
      var node = document.createElementNS(SVG, tag);
      Object.keys(attrs).forEach(function (k) {
        node.setAttribute(k, attrs[k]);
      });
      if (text !== undefined) {
        node.textContent = text;
      }
      svg.appendChild(node);
      return node;
    }
    var left = 230;
    var width = 340;
    for (var tick = 0; tick <= DATA.target; tick++) {
      var x = left + (width * tick) / DATA.target;
      add("line", { x1: x, x2: x, y1: 4, y2: height - 22, class: "capacity-grid" });
      add("text", { x: x, y: height - 6, "text-anchor": "middle", class: "capacity-tick" }, String(tick));
    }
    areas.forEach(function (a, i) {
      var y = 6 + i * row;
      var v = areaLevels[a.id];
      add("text", { x: left - 8, y: y + 15, "text-anchor": "end", class: "capacity-label" }, areaTitle(a, kind));
      if (v === null) {
        add("text", { x: left + 6, y: y + 15, class: "capacity-na" }, T("not_answered"));
      } else {
        add("rect", {
          x: left,
          y: y + 2,
          width: Math.max(2, (width * v) / DATA.target),
          height: row - 8,
          class: v < 2 ? "capacity-bar capacity-bar-gap" : "capacity-bar"
        });
        add("text", { x: left + (width * v) / DATA.target + 6, y: y + 15, class: "capacity-value" }, v.toFixed(1));
      }
    });
    return svg;
  }

  function linkList(items) {
    var list = el("ul");
    items.forEach(function (item) {
      var li = el("li");
      li.appendChild(el("a", { href: item.href }, item.title));
      list.appendChild(li);
    });
    return list;
  }

  function resourceList(key) {
    var list = el("ul", { class: "capacity-resources" });
    var country = document.getElementById("cap-country").value;
    var language = DATA.preferred_language[country] || DATA.language;
    var found = (DATA.matches[language] || DATA.matches[DATA.language])[key] || [];
    found.forEach(function (id) {
      var r = DATA.resources[id];
      var li = el("li");
      li.appendChild(el("a", { href: r.url, rel: "noopener" }, r.title));
      var details = " (" + r.publisher + (r.year ? ", " + r.year : "") + "; " + r.languages.map(function (code) {
        return DATA.language_names[code] || code;
      }).join(", ") + "; " + r.cost + ")";
      li.appendChild(document.createTextNode(details));
      list.appendChild(li);
    });
    return list;
  }

  function show(given) {
    var answered = Object.keys(given).filter(function (k) {
      return given[k] !== null;
    }).length;
    resultsBody.textContent = "";
    if (!answered) {
      results.hidden = true;
      say(T("choose_first"));
      return;
    }
    var byStep = levels(given, "step");
    var byRole = levels(given, "role");
    resultsBody.appendChild(
      el("p", {}, T("answered", { answered: answered, total: DATA.statements.length, target: DATA.target }))
    );
    resultsBody.appendChild(el("h4", {}, T("by_step")));
    resultsBody.appendChild(chart(byStep, "step", T("by_step_chart")));
    resultsBody.appendChild(el("h4", {}, T("by_role")));
    resultsBody.appendChild(chart(byRole, "role", T("by_role_chart")));

    var gaps = largestGaps(byStep, "step", 3);
    resultsBody.appendChild(el("h4", {}, T("largest_gaps")));
    if (!gaps.length) {
      resultsBody.appendChild(el("p", {}, T("no_gap")));
    }
    var list = el("ol", { class: "capacity-gaps" });
    gaps.forEach(function (g) {
      var li = el("li", { "data-step": g.area.id });
      li.appendChild(el("strong", {}, T("step", { title: areaTitle(g.area, "step") })));
      li.appendChild(document.createTextNode(T("gap_level", { level: (DATA.target - g.gap).toFixed(1), target: DATA.target })));
      li.appendChild(el("p", {}, T("in_course")));
      li.appendChild(linkList(g.area.lessons.concat(g.area.labs)));
      li.appendChild(el("p", {}, T("resources_step")));
      li.appendChild(resourceList("step:" + g.area.id));
      list.appendChild(li);
    });
    resultsBody.appendChild(list);

    var role = largestGaps(byRole, "role", 1)[0];
    if (role) {
      var p = el("p", { class: "capacity-role-gap", "data-role": role.area.id });
      p.appendChild(el("strong", {}, T("role_gap", { role: role.area.title })));
      p.appendChild(document.createTextNode(T("role_gap_level", { level: (DATA.target - role.gap).toFixed(1) })));
      resultsBody.appendChild(p);
      resultsBody.appendChild(resourceList("role:" + role.area.id));
    }
    results.hidden = false;
    say(T("updated"));
  }

  /* --- Save and load ----------------------------------------------------------------------- */

  function save() {
    var saved = response();
    var text = JSON.stringify(saved, null, 2) + "\n";
    var blob = new Blob([text], { type: "application/json" });
    var url = URL.createObjectURL(blob);
    var day = saved.saved.slice(0, 10);
    var link = el("a", { href: url, download: "capacity-self-assessment-" + saved.round + "-" + day + ".json" });
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
    say(T("saved"));
  }

  function load(file) {
    var reader = new FileReader();
    reader.onload = function () {
      var saved;
      try {
        saved = JSON.parse(String(reader.result).replace(/^\uFEFF/, ""));
      } catch (err) {
        say(T("not_loaded", { problem: T("not_ours") }));
        return;
      }
      var problem = problemsOf(saved);
      if (problem) {
        say(T("not_loaded", { problem: problem }));
        return;
      }
      fill(saved);
      show(answers());
      say(T("loaded", { name: file.name }));
    };
    reader.onerror = function () {
      say(T("not_read"));
    };
    reader.readAsText(file);
  }

  document.getElementById("cap-score").addEventListener("click", function () {
    show(answers());
  });
  document.getElementById("cap-save").addEventListener("click", save);
  document.getElementById("cap-load").addEventListener("change", function (event) {
    if (event.target.files && event.target.files[0]) {
      load(event.target.files[0]);
      event.target.value = "";
    }
  });
});

/* The resource catalogue: filter the table by words, step, role and language, in the page. */
capacityWhenReady(function () {
  "use strict";

  var search = document.getElementById("cap-search");
  var table = document.querySelector("table.capacity-catalogue");
  if (!search || !table) {
    return;
  }
  var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
  var count = document.getElementById("cap-count");
  var filters = ["step", "role", "lang"].map(function (kind) {
    return { kind: kind, select: document.getElementById("cap-filter-" + kind) };
  });

  function update() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.textContent.toLowerCase();
      var visible = words.every(function (w) {
        return text.indexOf(w) !== -1;
      });
      filters.forEach(function (f) {
        if (f.select && f.select.value && !row.classList.contains("cap-" + f.kind + "-" + f.select.value)) {
          visible = false;
        }
      });
      row.classList.toggle("capacity-hidden", !visible);
      if (visible) {
        shown += 1;
      }
    });
    /* The words come from the page (data-all, data-some), in its language. */
    var message = shown === rows.length ? count.dataset.all : count.dataset.some;
    count.textContent = message.replace("{total}", rows.length).replace("{shown}", shown);
  }

  search.addEventListener("input", update);
  filters.forEach(function (f) {
    if (f.select) {
      f.select.addEventListener("change", update);
    }
  });
});
