;;; eglot-session.el --- Emacs (Eglot) attached to `fabric lsp' -*- lexical-binding: t; -*-

;; emacs --batch -Q -l tests/editors/emacs-session.el FABRIC_BIN SPEC
;; Loads editors/emacs/fabric-mode.el, opens SPEC (a broken file), starts Eglot with
;; `fabric lsp' and waits for Flymake to show the server's diagnostic.  Exits 0 when it
;; arrives with the expected code, 1 otherwise.

;;; Code:

(require 'package)
(package-initialize)
(require 'eglot)
(require 'flymake)

(let* ((args command-line-args-left)
       (fabric (nth 0 args))
       (spec (nth 1 args))
       (here (file-name-directory (or load-file-name buffer-file-name)))
       (failures 0))
  (setq command-line-args-left nil)
  (load-file (expand-file-name "../../editors/emacs/fabric-mode.el" here))
  (setq fabric-command fabric)
  (defun check (ok what)
    (princ (format "%s %s\n" (if ok "ok  " "FAIL") what))
    (unless ok (setq failures (1+ failures))))
  ;; The spec's folder is the project (it need not be a repository).
  (add-hook 'project-find-functions (lambda (_dir) (cons 'transient (file-name-directory spec))))
  (find-file spec)
  (check (eq major-mode 'fabric-mode) "fabric-mode for .fabric files")
  (check (equal (funcall (cdr (assoc 'fabric-mode eglot-server-programs)) nil) (list fabric "lsp"))
         "fabric lsp registered with eglot")
  ;; `eglot-ensure' waits for a command loop that batch mode does not run: call `eglot'.
  (eglot (list 'fabric-mode) (cons 'transient (file-name-directory spec)) 'eglot-lsp-server
         (fabric-eglot-contact) "fabric")
  (check (eglot-current-server) "eglot connected")
  (let ((deadline (+ (float-time) 60)) diags)
    (while (and (null diags) (< (float-time) deadline))
      (accept-process-output nil 0.1)
      (setq diags (flymake-diagnostics)))
    (check diags (format "diagnostics arrived (%d)" (length diags)))
    (let ((text (and diags (flymake-diagnostic-text (car diags)))))
      (check (and text (string-match-p "E0302\\|power limit" text))
             (format "the diagnostic is the E0302 of the spec: %S" (and text (car (split-string text "\n")))))))
  (ignore-errors (eglot-shutdown (eglot-current-server)))
  (princ (if (= failures 0) "emacs: all checks passed\n" (format "emacs: %d checks failed\n" failures)))
  (kill-emacs (if (= failures 0) 0 1)))

;;; eglot-session.el ends here
