# A small NixOS module: a web application run by systemd.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.webapp;
in
{
  options.services.webapp = {
    enable = lib.mkEnableOption "the example web application";
    port = lib.mkOption {
      type = lib.types.port;
      default = 8080;
      description = "Port to listen on.";
    };
  };

  config = lib.mkIf cfg.enable {
    users.users.webapp = {
      isSystemUser = true;
      group = "webapp";
    };
    users.groups.webapp = { };

    systemd.services.webapp = {
      description = "Example web application";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = {
        ExecStart = "${pkgs.hello}/bin/hello --port ${toString cfg.port}";
        User = "root";
        StateDirectory = "webapp";
        Restart = "on-failure";
      };
    };
  };
}
