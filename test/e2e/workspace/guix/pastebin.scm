;;; A pastebin daemon as a Guix service — written the way many services still are.
;;; Run `pola check examples/` to see what authority it really gets.

(define-module (examples pastebin)
  #:use-module (gnu services)
  #:use-module (gnu services shepherd)
  #:use-module (gnu system shadow)
  #:use-module (gnu packages admin)
  #:use-module (guix gexp)
  #:use-module (guix records)
  #:export (pastebin-configuration
            pastebin-service-type))

(define-record-type* <pastebin-configuration>
  pastebin-configuration make-pastebin-configuration
  pastebin-configuration?
  (package     pastebin-configuration-package (default pastebin))
  (state-dir   pastebin-configuration-state-dir (default "/var/lib/pastebin"))
  (port        pastebin-configuration-port (default 8088))
  (admin-token pastebin-configuration-admin-token (default "hunter2-admin-token")))

(define %pastebin-accounts
  (list (user-group (name "pastebin") (system? #t))
        (user-account
         (name "pastebin")
         (group "pastebin")
         (system? #t)
         (comment "Pastebin daemon user")
         (home-directory "/var/lib/pastebin")
         (shell (file-append shadow "/sbin/nologin")))))

(define (pastebin-config-file config)
  (mixed-text-file "pastebin.conf"
                   "port = " (number->string (pastebin-configuration-port config)) "\n"
                   "storage = " (pastebin-configuration-state-dir config) "/pastes\n"))

(define (pastebin-activation config)
  (let ((state-dir (pastebin-configuration-state-dir config)))
    #~(begin
        (use-modules (guix build utils))
        (let* ((user (getpwnam "pastebin"))
               (uid (passwd:uid user))
               (gid (passwd:gid user))
               (pastes (string-append #$state-dir "/pastes")))
          ;; root creates the storage directory by path, inside a directory pastebin owns
          (mkdir-p pastes)
          (chown pastes uid gid)
          (chmod pastes #o750)
          ;; and copies the configuration into it
          (copy-file #$(pastebin-config-file config)
                     (string-append #$state-dir "/pastebin.conf"))
          (chown (string-append #$state-dir "/pastebin.conf") uid gid)))))

(define (pastebin-shepherd-service config)
  (list (shepherd-service
         (provision '(pastebin))
         (requirement '(networking))
         (documentation "Run the pastebin daemon.")
         (start #~(make-forkexec-constructor
                   (list #$(file-append (pastebin-configuration-package config) "/bin/pastebind")
                         "--config" #$(string-append (pastebin-configuration-state-dir config) "/pastebin.conf"))
                   #:log-file "/var/lib/pastebin/pastebin.log"))
         (stop #~(make-kill-destructor)))))

(define pastebin-service-type
  (service-type
   (name 'pastebin)
   (extensions
    (list (service-extension shepherd-root-service-type pastebin-shepherd-service)
          (service-extension activation-service-type pastebin-activation)
          (service-extension account-service-type (const %pastebin-accounts))))
   (default-value (pastebin-configuration))
   (description "Run a small pastebin.")))
