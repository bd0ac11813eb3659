;;; A small Guix System service: a web application run by the Shepherd.
(define-module (example web-service)
  #:use-module (gnu services)
  #:use-module (gnu services shepherd)
  #:use-module (gnu system shadow)
  #:use-module (gnu packages admin)
  #:use-module (guix gexp)
  #:use-module (guix records)
  #:export (webapp-configuration
            webapp-service-type))

(define-record-type* <webapp-configuration>
  webapp-configuration make-webapp-configuration
  webapp-configuration?
  (port      webapp-configuration-port (default 8080))
  (data-dir  webapp-configuration-data-dir (default "/var/lib/webapp")))

(define webapp-accounts
  (list (user-group (name "webapp") (system? #t))
        (user-account
         (name "webapp")
         (group "webapp")
         (system? #t)
         (home-directory "/var/empty")
         (shell (file-append shadow "/sbin/nologin")))))

(define (webapp-activation config)
  #~(begin
      (use-modules (guix build utils))
      (mkdir-p #$(webapp-configuration-data-dir config))
      (system* "chmod" "777" #$(webapp-configuration-data-dir config))))

(define (webapp-shepherd-service config)
  (list (shepherd-service
         (provision '(webapp))
         (requirement '(networking))
         (documentation "Run the example web application.")
         (start #~(make-forkexec-constructor
                   (list "/run/current-system/profile/bin/webapp"
                         "--port" #$(number->string (webapp-configuration-port config)))
                   #:log-file "/var/log/webapp.log"))
         (stop #~(make-kill-destructor)))))

(define webapp-service-type
  (service-type
   (name 'webapp)
   (extensions
    (list (service-extension shepherd-root-service-type webapp-shepherd-service)
          (service-extension activation-service-type webapp-activation)
          (service-extension account-service-type (const webapp-accounts))))
   (default-value (webapp-configuration))
   (description "Run the example web application.")))
