;;; fabric-mode.el --- Major mode for Fabric data-center specs -*- lexical-binding: t; -*-

;; Copyright 2026 the Fabric authors
;; License: Apache-2.0
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1"))
;; Keywords: languages
;; URL: https://github.com/fabric-lang/fabric

;;; Commentary:

;; Highlighting, comments (`//', nesting `/* */', `///' doc comments), indentation by
;; brace depth, and `fabric lsp' registered with Eglot for `.fabric' files.  Start the
;; language server with M-x eglot, or (add-hook 'fabric-mode-hook #'eglot-ensure).

;;; Code:

(defgroup fabric nil
  "Fabric data-center specs."
  :group 'languages
  :prefix "fabric-")

(defcustom fabric-indent-offset 2
  "Spaces per block level."
  :type 'integer
  :safe #'integerp)

(defcustom fabric-command "fabric"
  "The `fabric' binary that Eglot starts as `fabric lsp'."
  :type 'string)

(defconst fabric--kinds
  '("site" "building" "hall" "row" "rack" "node" "gpu" "cpu" "nic" "switch" "optic"
    "medium" "model" "link" "fabric" "inference" "load" "slo" "serving" "prefill" "decode"
    "parallelism" "speculative" "training" "scenario")
  "Block kinds (LANGUAGE.md section 5).")

(defconst fabric--units
  '("W" "kW" "MW" "GW" "J" "kJ" "MJ" "GJ" "Wh" "kWh" "MWh" "GWh" "ps" "ns" "us" "µs" "ms"
    "s" "min" "h" "d" "yr" "mm" "cm" "m" "km" "b" "Kb" "Mb" "Gb" "Tb" "Pb" "B" "KB" "MB"
    "GB" "TB" "PB" "KiB" "MiB" "GiB" "TiB" "Gbps" "Tbps" "Mbps" "FLOP" "GFLOP" "TFLOP"
    "PFLOP" "EFLOP" "TFLOPS" "PFLOPS" "EFLOPS" "tok" "req" "U")
  "Unit atoms the compiler knows.")

(defconst fabric-font-lock-keywords
  (let ((unit (concat "\\(?:" (regexp-opt fabric--units) "\\)")))
    `((,(regexp-opt '("import" "const" "assert") 'symbols) . font-lock-keyword-face)
      (,(regexp-opt '("and" "or" "not") 'symbols) . font-lock-builtin-face)
      (,(regexp-opt '("true" "false") 'symbols) . font-lock-constant-face)
      (,(concat "^\\s-*" (regexp-opt fabric--kinds 'symbols) "\\(?:\\s-+\\([A-Za-z_][A-Za-z0-9_]*\\)\\)?")
       (1 font-lock-type-face) (2 font-lock-function-name-face nil t))
      (":\\s-*\\([A-Za-z_][A-Za-z0-9_.]*\\)" 1 font-lock-type-face)
      ("\\_<const\\s-+\\([A-Za-z_][A-Za-z0-9_]*\\)" 1 font-lock-constant-face)
      ("^\\s-*\\([A-Za-z_][A-Za-z0-9_]*\\)\\s-*\\(?:=[^=]\\|<=\\|>=\\|<\\|>\\)" 1 font-lock-variable-name-face)
      (,(regexp-opt '("sum" "min" "max" "ceil" "floor" "count" "power" "latency") 'symbols) . font-lock-builtin-face)
      (,(concat "\\_<[0-9][0-9_]*\\(?:\\.[0-9][0-9_]*\\)?\\(?:[eE][-+]?[0-9]+\\)?"
                "\\(?:[ \t]*\\(" unit "\\(?:/" unit "\\)*\\|%\\)\\_>\\)?")
       (0 font-lock-constant-face) (1 font-lock-type-face t t))))
  "Highlighting for `fabric-mode'.")

(defvar fabric-mode-syntax-table
  (let ((table (make-syntax-table)))
    ;; `//' line comments and nesting `/* */' block comments.
    (modify-syntax-entry ?/ ". 124" table)
    (modify-syntax-entry ?* ". 23bn" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?% "." table)
    table)
  "Syntax table for `fabric-mode'.")

(defun fabric-indent-line ()
  "Indent the current line by the depth of the braces, brackets and parentheses around it."
  (interactive)
  (let* ((depth (save-excursion
                  (back-to-indentation)
                  (let ((d (car (syntax-ppss))))
                    (if (looking-at "[]})]") (max 0 (1- d)) d))))
         (column (* depth fabric-indent-offset))
         (offset (- (current-column) (current-indentation))))
    (indent-line-to column)
    (when (> offset 0) (forward-char offset))))

;;;###autoload
(define-derived-mode fabric-mode prog-mode "Fabric"
  "Major mode for Fabric specs of AI data centers."
  :syntax-table fabric-mode-syntax-table
  (setq-local comment-start "// ")
  (setq-local comment-end "")
  (setq-local comment-start-skip "//+\\s-*\\|/\\*+\\s-*")
  (setq-local font-lock-defaults '(fabric-font-lock-keywords))
  (setq-local indent-line-function #'fabric-indent-line)
  (setq-local indent-tabs-mode nil)
  (setq-local electric-indent-chars (append '(?\} ?\] ?\)) electric-indent-chars)))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.fabric\\'" . fabric-mode))

(defun fabric-eglot-contact (&optional _interactive)
  "How Eglot starts the language server: `fabric-command' with `lsp'."
  (list fabric-command "lsp"))

(with-eval-after-load 'eglot
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs '(fabric-mode . fabric-eglot-contact)))

(provide 'fabric-mode)

;;; fabric-mode.el ends here
