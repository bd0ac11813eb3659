;;; Deliberately broken: the shepherd-service form is never closed.
(define-module (example broken)
  #:use-module (gnu services shepherd))

(define broken-service
  (shepherd-service
   (provision '(broken))
   (start #~(make-forkexec-constructor '("/bin/true")))
