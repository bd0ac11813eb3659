;;; The same pastebin, written for least authority: an account of its own, directories made with
;;; mkdir-p/perms, the configuration kept in the store, and the daemon in a container.

(define-module (examples pastebin-least-authority)
  #:use-module (gnu services)
  #:use-module (gnu services shepherd)
  #:use-module (gnu system shadow)
  #:use-module (gnu packages admin)
  #:use-module (guix gexp)
  #:use-module (guix least-authority)
  #:use-module (gnu system file-systems)
  #:export (pastebin-service-type))

(define %pastebin-accounts
  (list (user-group (name "pastebin") (system? #t))
        (user-account
         (name "pastebin")
         (group "pastebin")
         (system? #t)
         (home-directory "/var/empty")
         (shell (file-append shadow "/sbin/nologin")))))

(define %pastebin-config
  (plain-file "pastebin.conf" "port = 8088\nstorage = /var/lib/pastebin/pastes\n"))

(define (pastebin-activation config)
  (with-imported-modules '((gnu build activation))
    #~(begin
        (use-modules (gnu build activation))
        (let ((user (getpwnam "pastebin")))
          (mkdir-p/perms "/var/lib/pastebin" user #o750)
          (mkdir-p/perms "/var/lib/pastebin/pastes" user #o750)))))

(define (pastebin-shepherd-service config)
  (list (shepherd-service
         (provision '(pastebin))
         (requirement '(networking))
         (start #~(make-forkexec-constructor
                   (list #$(least-authority-wrapper
                            (file-append pastebin "/bin/pastebind")
                            #:name "pastebind"
                            #:mappings (list (file-system-mapping
                                              (source "/var/lib/pastebin")
                                              (target source)
                                              (writable? #t))
                                             (file-system-mapping
                                              (source %pastebin-config)
                                              (target source)))
                            #:namespaces (delq 'net %namespaces))
                         "--config" #$%pastebin-config)
                   #:user "pastebin" #:group "pastebin"
                   #:log-file "/var/log/pastebin.log"))
         (stop #~(make-kill-destructor)))))

(define pastebin-service-type
  (service-type
   (name 'pastebin)
   (extensions
    (list (service-extension shepherd-root-service-type pastebin-shepherd-service)
          (service-extension activation-service-type pastebin-activation)
          (service-extension account-service-type (const %pastebin-accounts))))
   (default-value #f)
   (description "Run a small pastebin with least authority.")))
