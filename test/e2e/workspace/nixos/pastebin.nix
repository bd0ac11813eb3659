# The pastebin as a NixOS module, as most modules are written: no user, no sandboxing.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.pastebin;
in
{
  options.services.pastebin = {
    enable = lib.mkEnableOption "the pastebin daemon";
    port = lib.mkOption {
      type = lib.types.port;
      default = 8088;
      description = "Port to listen on.";
    };
  };

  config = lib.mkIf cfg.enable {
    systemd.services.pastebin = {
      description = "Pastebin daemon";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      serviceConfig = {
        ExecStart = "${pkgs.hello}/bin/hello --port ${toString cfg.port}";
        Restart = "on-failure";
        After = [ "network-online.target" ];
        CapabilitiesBoundingSet = [ "CAP_NET_BIND_SERVICE" ];
      };
    };
  };
}
