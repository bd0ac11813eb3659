# The same pastebin with a dynamic user, a state directory, confinement and systemd hardening.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.pastebin;
in
{
  options.services.pastebin.enable = lib.mkEnableOption "the pastebin daemon";

  config = lib.mkIf cfg.enable {
    systemd.services.pastebin = {
      description = "Pastebin daemon";
      wantedBy = [ "multi-user.target" ];
      after = [ "network.target" ];
      confinement.enable = true;
      serviceConfig = {
        ExecStart = "${pkgs.hello}/bin/hello --port 8088";
        DynamicUser = true;
        StateDirectory = "pastebin";
        CapabilityBoundingSet = "";
        LockPersonality = true;
        MemoryDenyWriteExecute = true;
        NoNewPrivileges = true;
        PrivateDevices = true;
        PrivateUsers = true;
        ProtectClock = true;
        ProtectControlGroups = true;
        ProtectHome = true;
        ProtectHostname = true;
        ProtectKernelLogs = true;
        ProtectKernelModules = true;
        ProtectKernelTunables = true;
        ProtectProc = "invisible";
        ProcSubset = "pid";
        ProtectSystem = "strict";
        RestrictAddressFamilies = [ "AF_INET" "AF_INET6" "AF_UNIX" ];
        RestrictNamespaces = true;
        RestrictRealtime = true;
        RestrictSUIDSGID = true;
        SystemCallArchitectures = "native";
        SystemCallFilter = [ "@system-service" "~@privileged" "~@resources" ];
        UMask = "0077";
      };
    };
  };
}
